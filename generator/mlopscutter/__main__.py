from mlopscutter.cli import main

main()

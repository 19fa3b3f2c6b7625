"""mlopscutter: generate production-shaped ML projects on AWS from one cookiecutter template."""

__version__ = "0.1.0"

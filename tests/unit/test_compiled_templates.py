"""The process-wide cache of compiled templates never serves a stale or foreign compilation."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from mlopscutter.jinja import CompiledTemplates, MlopsExtension


def _environment(root: Path, cache: CompiledTemplates, **settings: object) -> Environment:
    environment = Environment(loader=FileSystemLoader(str(root)), extensions=[MlopsExtension])
    for name, value in settings.items():
        setattr(environment, name, value)
    environment.bytecode_cache = cache
    return environment


def test_a_template_is_compiled_once_per_process(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("{{ 'a' | q }}")
    cache = CompiledTemplates()
    first = _environment(tmp_path, cache).get_template("t.txt")
    second = _environment(tmp_path, cache).get_template("t.txt")
    assert first.render() == second.render() == '"a"'
    assert len(cache._compiled) == 1


def test_a_changed_source_is_compiled_again(tmp_path: Path) -> None:
    template = tmp_path / "t.txt"
    template.write_text("old {{ 1 + 1 }}")
    cache = CompiledTemplates()
    assert _environment(tmp_path, cache).get_template("t.txt").render() == "old 2"
    template.write_text("new {{ 2 + 2 }}")
    assert _environment(tmp_path, cache).get_template("t.txt").render() == "new 4"


def test_environments_that_compile_differently_do_not_share(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("line\n")
    cache = CompiledTemplates()
    kept = _environment(tmp_path, cache, keep_trailing_newline=True).get_template("t.txt")
    dropped = _environment(tmp_path, cache).get_template("t.txt")
    assert (kept.render(), dropped.render()) == ("line\n", "line")
    assert len(cache._compiled) == 2

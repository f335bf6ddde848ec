"""A newcomer's first steps do not stumble (issue 15, item 5): a bare `source-mentions` prints usage,
a date in the wrong form is answered with the form and an example, the sandbox and the sample
configs share one port, `make explore` reads the demo's DuckDB file, and the demo keeps
third-party noise out of its output."""

import io
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mentions_dev import demo, explore
from source_mentions.run import config_problem, run
from mentions_dev.sandbox import DEFAULT_PORT
from mentions_dev.sandbox.__main__ import arguments as sandbox_arguments

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIGS = sorted((ROOT / "integration_tests").glob("*_config*.json"))


def mention_config(**top):
    return {"provider": {"provider_type": "mention", "access_token": "not-a-real-token-4711"}, **top}


# ---------------------------------------------------------------- the console script


def test_a_bare_call_prints_usage_on_stderr_and_exits_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        run([])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2
    assert out == ""
    assert err.startswith("usage: source-mentions COMMAND") and "check    --config CONFIG" in err
    assert "Traceback" not in err


def test_help_prints_the_same_usage_on_stdout_and_exits_0(capsys):
    with pytest.raises(SystemExit) as stopped:
        run(["--help"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("usage: source-mentions COMMAND")


def test_the_installed_console_script_called_bare_prints_usage_not_a_traceback():
    script = Path(sys.executable).with_name("source-mentions")
    if not script.exists():
        pytest.skip("the package is not installed in this interpreter's environment")
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: source-mentions COMMAND")
    assert "Traceback" not in done.stdout + done.stderr and "No command passed" not in done.stdout


# ---------------------------------------------------------------- config errors in words


def test_a_start_date_without_time_is_answered_with_the_expected_form_and_an_example():
    problem = config_problem(mention_config(start_date="2026-01-01"))
    assert problem == "Invalid setting start_date: '2026-01-01' is not of the expected form YYYY-MM-DDTHH:MM:SSZ, for example 2026-01-01T00:00:00Z."


def test_check_with_a_start_date_without_time_fails_naming_the_form_not_a_regex(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(mention_config(start_date="2026-01-01")))
    with pytest.raises(SystemExit) as stopped:
        run(["check", "--config", str(path)])
    status = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["connectionStatus"]
    assert stopped.value.code == 0 and status["status"] == "FAILED"
    assert "YYYY-MM-DDTHH:MM:SSZ" in status["message"] and "[0-9]" not in status["message"]


def test_a_url_without_scheme_is_answered_with_the_form_and_the_default_as_example():
    problem = config_problem({"provider": {"provider_type": "mention", "access_token": "not-a-real-token-4711", "api_url": "api.mention.net/api"}})
    assert problem == "Invalid setting provider.api_url: 'api.mention.net/api' is not of the expected form https://host/path, for example https://api.mention.net/api."


def test_other_validation_messages_are_left_as_the_validator_words_them():
    assert config_problem(mention_config(num_workers="four")) == "Invalid setting num_workers: 'four' is not of type 'integer'."


# ---------------------------------------------------------------- one port


def test_the_sandbox_default_port_is_the_one_every_sample_config_points_at():
    assert SAMPLE_CONFIGS
    ports = {
        (path.name, urlsplit(url).port)
        for path in SAMPLE_CONFIGS
        for key, url in json.loads(path.read_text())["provider"].items()
        if key.endswith("_url")
    }
    assert ports and {port for _, port in ports} == {DEFAULT_PORT}, sorted(ports)


def test_python_m_sandbox_and_make_sandbox_serve_on_the_default_port():
    assert sandbox_arguments().parse_args([]).port == DEFAULT_PORT
    makefile_port = re.search(r"^PORT \?= (\d+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert makefile_port and int(makefile_port.group(1)) == DEFAULT_PORT


# ---------------------------------------------------------------- explore the demo's DuckDB file


@pytest.fixture
def demo_file(tmp_path):
    duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the `warehouse` extra")
    path = tmp_path / "mentions.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA sociovite")
        connection.execute("CREATE TABLE sociovite.mentions (id VARCHAR)")
        connection.execute("INSERT INTO sociovite.mentions VALUES ('a'), ('b')")
        connection.execute("CREATE TABLE sociovite._airbyte_state (state VARCHAR)")
        connection.execute(
            "CREATE TABLE sociovite.unified_mentions (mention_id VARCHAR, published_at TIMESTAMP, sentiment BIGINT,"
            " title VARCHAR, text VARCHAR, brand_name VARCHAR, source_type VARCHAR, url VARCHAR)"
        )
        connection.execute(
            "INSERT INTO sociovite.unified_mentions VALUES ('old', '2026-11-01 10:00:00', 0, NULL, 'older post', NULL, 'web', NULL),"
            " ('new', '2026-11-20 10:00:00', 1, '', 'newest post', NULL, 'web', NULL),"
            " ('tweet', '2026-10-01 10:00:00', 1, NULL, NULL, NULL, 'twitter', 'https://x.com/a/status/1')"
        )
    return path


def test_explore_lists_each_synced_table_with_its_rows_and_leaves_out_pyairbyte_bookkeeping(demo_file, capsys):
    explore.main(["--db", str(demo_file)])
    out = capsys.readouterr().out
    assert re.search(r"sociovite\.mentions\s+2\n", out) and re.search(r"sociovite\.unified_mentions\s+3\n", out)
    assert "_airbyte_state" not in out


def test_explore_shows_the_newest_unified_mentions_first(demo_file, capsys):
    explore.main(["--db", str(demo_file)])
    out = capsys.readouterr().out
    assert out.index("newest post") < out.index("older post")


def test_explore_says_why_a_social_post_has_no_text(demo_file, capsys):
    explore.main(["--db", str(demo_file)])
    out = capsys.readouterr().out
    assert "(twitter post: the API sends no text)" in out and "https://x.com/a/status/1" in out


def test_a_demo_of_one_provider_keeps_the_other_providers_tables_and_says_so(demo_file, capsys):
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect(str(demo_file)) as connection:
        connection.execute("CREATE SCHEMA mention")
        connection.execute("CREATE TABLE mention.mentions (id VARCHAR)")
    demo.Warehouse("duckdb", demo_file).keep_other_providers(["sociovite"])
    with duckdb.connect(str(demo_file), read_only=True) as connection:
        schemas = {row[0] for row in connection.execute("SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
    assert "mention" in schemas and "sociovite" not in schemas  # the provider synced again starts empty
    assert "kept from an earlier demo" in capsys.readouterr().out


def test_explore_runs_a_query_of_your_own(demo_file, capsys):
    explore.main(["--db", str(demo_file), "--sql", "SELECT count(*) AS posts FROM sociovite.mentions"])
    assert capsys.readouterr().out.splitlines()[-2:] == ["  posts", "  2"]


def test_explore_without_the_demo_file_says_to_run_the_demo(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        explore.main(["--db", str(tmp_path / "missing.duckdb")])
    assert "run `make demo` first" in str(stopped.value.code)


def test_explore_reports_a_bad_query_in_one_line_without_a_traceback(demo_file):
    with pytest.raises(SystemExit) as stopped:
        explore.main(["--db", str(demo_file), "--sql", "SELEC 1"])
    assert str(stopped.value.code).startswith("DuckDB: Parser Error")


# ---------------------------------------------------------------- demo output


def test_the_demo_drops_pyairbyte_hints_and_the_newline_print_sends_after_them():
    sink = io.StringIO()
    stream = demo.WithoutHints(sink)
    print("Using local `source-mentions` executable: /x/bin/source-mentions", file=stream)
    stream.write("Could not determine airbyte type from JSON schema: {'type': ['null', 'object',\n'array']}\n")
    print("rows per table in schema mention", file=stream)
    print("", file=stream)
    assert sink.getvalue() == "rows per table in schema mention\n\n"


def test_the_demo_ignores_google_python_support_future_warnings_and_no_others():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        demo.ignore_google_python_support_warnings()
        warnings.warn_explicit("Google will stop supporting 3.11", FutureWarning, "support.py", 1, module="google.api_core._python_version_support")
        warnings.warn_explicit("a change to come", FutureWarning, "other.py", 1, module="pandas.core")
        warnings.warn_explicit("something else", UserWarning, "support.py", 2, module="google.api_core._python_version_support")
    assert [str(warning.message) for warning in seen] == ["a change to come", "something else"]


# ---------------------------------------------------------------- README


def readme_commands():
    """The commands of the README's first code block, in order."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_starts_with_the_main_job_then_the_full_test_suite():
    assert readme_commands() == ["make demo", "make test"]


def test_ci_runs_exactly_the_readme_test_command():
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == [readme_commands()[1]]


@pytest.mark.parametrize("page", ["README.md", "docs/development.md", "docs/design.md", "docs/integrations/sources/mentions.md"])
def test_every_relative_link_of_the_docs_names_a_file_in_the_repository(page):
    path = ROOT / page
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())
    missing = [link for link in links if "://" not in link and not (path.parent / link).exists()]
    assert not missing

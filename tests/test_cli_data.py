import json

from nerdistill.core.formats import read_sentences


def test_stats_on_the_conll_test_split(run_cli, conll_test_split):
    result = run_cli("data", "stats", conll_test_split, "--json")
    assert result.exit_code == 0
    figures = json.loads(result.output)
    assert (figures["sentences"], figures["tokens"], figures["entities"]) == (3453, 46435, 5648)
    assert figures["entities_per_type"] == {"LOC": 1668, "ORG": 1661, "PER": 1617, "MISC": 702}
    table = run_cli("data", "stats", conll_test_split).output
    assert "sentences" in table and "5648" in table


def test_two_disjoint_reproducible_samples(run_cli, conll_test_split, tmp_path):
    first, second, again = tmp_path / "a.jsonl", tmp_path / "b.conll", tmp_path / "a2.jsonl"
    assert run_cli("data", "sample", conll_test_split, "-n", 200, "--seed", 1, "-o", first).exit_code == 0
    assert run_cli("data", "sample", conll_test_split, "-n", 200, "--seed", 1, "-o", again).exit_code == 0
    assert first.read_text() == again.read_text()
    result = run_cli("data", "sample", conll_test_split, "-n", 300, "--seed", 2, "--exclude", first, "-o", second)
    assert result.exit_code == 0, result.output
    a, b = read_sentences(first), read_sentences(second)
    assert len(a) == 200 and len(b) == 300
    assert not {s.tokens for s in a} & {s.tokens for s in b}


def test_sentences_from_articles(run_cli, tmp_path):
    articles = tmp_path / "news.jsonl"
    articles.write_text(json.dumps({"id": "tech/1", "category": "tech", "title": "t",
                                    "text": "Microsoft said on Monday it would buy a U.S. start-up. Short one."}) + "\n")
    out = tmp_path / "s.jsonl"
    result = run_cli("data", "sentences", articles, "-o", out, "--min-tokens", 5, "--dedupe")
    assert result.exit_code == 0, result.output
    (sentence,) = read_sentences(out)
    assert sentence.tokens[-3:] == ("a", "U.S.", "start-up", ".")[-3:] and sentence.meta == {"category": "tech"}


def test_convert_iob1_to_iob2(run_cli, tmp_path):
    source = tmp_path / "old.conll"
    source.write_text("Peter I-PER\nBlackburn I-PER\n")
    out = tmp_path / "new.jsonl"
    assert run_cli("data", "convert", source, out, "--scheme", "iob1").exit_code == 0
    assert read_sentences(out)[0].tags == ("B-PER", "I-PER")


def test_user_errors_exit_1_with_one_line(run_cli, tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("a O\nb O O\n")
    result = run_cli("data", "stats", bad)
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}:2: expected 2 columns, found 3\n"


def test_usage_errors_exit_2(run_cli, tmp_path):
    assert run_cli("data", "sample", tmp_path / "missing.conll", "-n", 1, "--seed", 0, "-o", "x").exit_code == 2
    assert run_cli("data", "nonsense").exit_code == 2

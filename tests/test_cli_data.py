import json

from nerdistill.core.data.formats import read_sentences


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
    text = "Microsoft said on Monday it would buy a U.S. start-up. Short one."
    articles.write_text(json.dumps({"id": "tech/1", "category": "tech", "title": "t", "text": text}) + "\n")
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
    assert result.output == f"Error: {bad}:2: expected 2 columns, found 3 (split on white space)\n"


def test_usage_errors_exit_2(run_cli, tmp_path):
    assert run_cli("data", "sample", tmp_path / "missing.conll", "-n", 1, "--seed", 0, "-o", "x").exit_code == 2
    assert run_cli("data", "nonsense").exit_code == 2


def test_agree_keeps_the_entities_both_annotations_give(run_cli, tmp_path):
    def annotation(name, *tagged):
        path = tmp_path / name
        path.write_text("".join(json.dumps({"id": sentence_id, "tokens": tokens, "tags": tags}) + "\n"
                                for sentence_id, tokens, tags in tagged))
        return path

    tokens = ["Alice", "met", "Bob", "in", "New", "York", "."]
    first = annotation("standard.jsonl", ("a", tokens, ["B-PER", "O", "B-PER", "O", "B-LOC", "I-LOC", "O"]),
                       ("b", ["Hello", "."], ["B-MISC", "O"]), ("c", ["Only", "here"], ["O", "O"]))
    second = annotation("cot.jsonl", ("b", ["Hello", "."], ["B-ORG", "O"]),
                        ("a", tokens, ["B-PER", "O", "B-ORG", "O", "B-LOC", "O", "O"]))
    out = tmp_path / "agreed.jsonl"
    result = run_cli("data", "agree", first, second, "-o", out)
    assert result.exit_code == 0, result.output
    kept = read_sentences(out)
    assert [s.id for s in kept] == ["a", "b"]  # c is not in the second file
    assert [(span.text, span.label) for span in kept[0].spans] == [("Alice", "PER")]  # Bob's type, York's extent
    assert kept[1].spans == []  # same words, another type
    counts = dict(line.rsplit(None, 1) for line in result.output.splitlines()[2:8])
    assert {k.strip(): int(v) for k, v in counts.items()} == {
        "sentences in all": 2, "only in standard.jsonl or missing elsewhere": 1, "entities in standard.jsonl": 4,
        "entities in cot.jsonl": 4, "entities given by at least 2": 1, "sentences agreed on no entity": 1}
    assert run_cli("data", "agree", first, second, "-o", out, "--require-entities").exit_code == 0
    assert [s.id for s in read_sentences(out)] == ["a"]
    other = annotation("other.jsonl", ("a", tokens[:-1], ["O"] * 6))
    result = run_cli("data", "agree", first, other, "-o", out)
    assert result.exit_code == 1 and "'a' has other tokens in another annotation" in result.output


def test_a_vote_of_three_keeps_what_two_give_with_the_vote_share_as_confidence(run_cli, tmp_path):
    tokens = ["Alice", "met", "Bob", "in", "New", "York", "."]
    files = []
    for name, tags in (("a", ["B-PER", "O", "B-PER", "O", "B-LOC", "I-LOC", "O"]),
                       ("b", ["B-PER", "O", "B-ORG", "O", "B-LOC", "O", "O"]),
                       ("c", ["B-PER", "O", "B-PER", "O", "O", "B-LOC", "O"])):
        files.append(tmp_path / f"{name}.jsonl")
        files[-1].write_text(json.dumps({"id": "s", "tokens": tokens, "tags": tags}) + "\n")
    out = tmp_path / "voted.jsonl"
    assert run_cli("data", "agree", *files, "--min-votes", 2, "-o", out).exit_code == 0
    (voted,) = read_sentences(out)
    assert [(span.text, span.label) for span in voted.spans] == [("Alice", "PER"), ("Bob", "PER")]  # no York 2x
    assert voted.meta["annotation"]["confidence"] == {"PER": [1.0, 0.6667]}
    assert run_cli("data", "agree", *files, "--min-votes", 1, "-o", out).exit_code == 0
    (anything,) = read_sentences(out)  # overlapping candidates: most votes first, then the earlier, the longer
    assert [(span.text, span.label) for span in anything.spans] == [("Alice", "PER"), ("Bob", "PER"),
                                                                       ("New York", "LOC")]
    assert run_cli("data", "agree", *files, "--min-votes", 4, "-o", out).exit_code == 1


def test_stats_and_evaluate_annotations_take_a_label_set(run_cli, fixtures, tmp_path):
    labels = tmp_path / "labels.toml"
    labels.write_text('MISC = "the rest"\nPER = "people"\nORG = "organisations"\nLOC = "places"\nEVENT = "events"\n')
    mini = fixtures / "mini.conll"
    stats = json.loads(run_cli("data", "stats", mini, "--labels", labels, "--json").output)
    assert list(stats["entities_per_type"].items()) == [("MISC", 2), ("PER", 1), ("ORG", 2), ("LOC", 1), ("EVENT", 0)]
    scored = json.loads(run_cli("evaluate", "annotations", mini, mini, "--labels", labels, "--json").output)
    assert list(scored["types"]) == ["MISC", "PER", "ORG", "LOC"]
    other = tmp_path / "other.toml"
    other.write_text('person = "people"\n')
    for command in (["data", "stats", mini], ["evaluate", "annotations", mini, mini]):
        refused = run_cli(*command, "--labels", other)
        assert refused.exit_code == 1 and "type 'ORG' is not in the label set (person)" in refused.output

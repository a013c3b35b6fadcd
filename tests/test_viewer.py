"""`nerdistill view`: the differences it marks, the figures it shows, and the page in a real headless browser."""

import json
import re
import shutil
import subprocess

import pytest

from nerdistill.core.data.formats import read_sentences, write_sentences
from nerdistill.core.data.sentence import Sentence
from nerdistill.core.data.tags import Span
from nerdistill.core.reporting.viewer import view_data

TOKENS = ("Alice", "of", "Acme", "Corp", "met", "Bob", "in", "New", "York", "</script>", ".")
GOLD = Sentence(id="a", tokens=TOKENS).with_spans([
    Span(start=0, end=1, label="PER"), Span(start=2, end=4, label="ORG"), Span(start=5, end=6, label="PER"),
    Span(start=7, end=9, label="LOC")])
PREDICTED = Sentence(id="a", tokens=TOKENS).with_spans([
    Span(start=0, end=1, label="PER"),       # correct
    Span(start=3, end=4, label="ORG"),       # boundary (gold: Acme Corp)
    Span(start=5, end=6, label="ORG"),       # wrong type
    Span(start=9, end=10, label="MISC"),     # spurious; New York is missed
], meta={"span_scores": [0.99, 0.4, 0.7, 0.2]})


def test_each_entity_is_marked_by_its_kind_of_difference_with_its_score():
    data = view_data([PREDICTED], [GOLD], name="p", reference_name="gold")
    (record,) = data["sentences"]
    assert [(e[2], e[3], e[4]) for e in record["entities"]] == [
        ("PER", 0.99, "correct"), ("ORG", 0.4, "boundary"), ("ORG", 0.7, "type"), ("MISC", 0.2, "spurious")]
    assert [(e[2], e[4]) for e in record["reference"]] == [
        ("PER", "correct"), ("ORG", "boundary"), ("PER", "type"), ("LOC", "missed")]
    assert data["counts"] == {"PER": {"correct": 1}, "ORG": {"boundary": 1, "type": 1}, "MISC": {"spurious": 1},
                              "LOC": {"missed": 1}}


def _chromium():
    found = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                  if shutil.which(name)), None)
    if found is None:
        pytest.skip("no Chromium on this machine (Debian: apt install chromium)")
    return found


def _load(page, fragment=""):
    """The page's DOM after its scripts ran, in headless Chromium, and what it logged to the console."""
    result = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                             "--v=0", "--virtual-time-budget=10000", "--dump-dom", f"file://{page}{fragment}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def _cell(dom, type_, field):
    return re.search(rf'data-type="{type_}" data-field="{field}">([^<]*)<', dom).group(1)


@pytest.fixture
def annotated(conll_test_split, tmp_path):
    """200 test sentences (gold) and a corrupted copy as the annotation: entities dropped, retyped, cut short."""
    folder = tmp_path
    gold = read_sentences(conll_test_split)[:200]
    corrupted = []
    for n, sentence in enumerate(gold):
        spans = []
        for m, span in enumerate(sentence.spans):
            if (n + m) % 5 == 0:
                continue
            if (n + m) % 5 == 1:
                span = Span(start=span.start, end=span.end, label="MISC" if span.label != "MISC" else "ORG")
            elif (n + m) % 5 == 2 and len(span) > 1:
                span = Span(start=span.start, end=span.end - 1, label=span.label)
            spans.append(span)
        corrupted.append(sentence.with_spans(spans))
    return write_sentences(gold, folder / "gold.jsonl"), write_sentences(corrupted, folder / "annotated.jsonl"), folder


def test_the_page_shows_evaluate_annotations_figures_and_filters_in_a_real_browser(annotated, run_cli):
    gold, predicted, folder = annotated
    page = folder / "view.html"
    assert run_cli("view", predicted, "--gold", gold, "-o", page).exit_code == 0
    report = json.loads(run_cli("evaluate", "annotations", predicted, gold, "--json").output)
    dom, console = _load(page)
    assert console == []  # no error, no warning, nothing logged
    for type_, figures in list(report["types"].items()) + [("micro", report["micro"])]:
        for field in ("precision", "recall", "f1"):
            assert float(_cell(dom, type_, field)) == round(figures[field], 4), (type_, field)
        assert int(_cell(dom, type_, "support")) == figures["support"]
    assert re.search(r'<b id="shown-count">200</b>', dom) and dom.count('class="sentence"') == 50  # a page of 50
    data = view_data(read_sentences(predicted), read_sentences(gold), name="annotated.jsonl", reference_name="gold")
    missed_org = sum(any(e[2] == "ORG" and e[4] == "missed" for e in s["reference"]) for s in data["sentences"])
    filtered, console = _load(page, "#kind=missed&types=ORG")
    assert console == [] and 0 < missed_org < 200
    assert re.search(rf'<b id="shown-count">{missed_org}</b>', filtered)
    assert filtered.count('class="sentence"') == min(missed_org, 50)
    assert 'value="ORG" data-type="ORG"' in filtered and 'class="missed"' in filtered


def test_ten_thousand_sentences_load_a_page_at_a_time_and_no_text_closes_the_script(tmp_path, run_cli):
    many = [PREDICTED.model_copy(update={"id": f"s{n}"}) for n in range(10_000)]
    page = tmp_path / "view.html"
    assert run_cli("view", write_sentences(many, tmp_path / "many.jsonl"), "-o", page).exit_code == 0
    dom, console = _load(page, "#below=0.5&page=3")
    assert console == []
    assert re.search(r'<b id="shown-count">10000</b>', dom) and "page 4 of 200" in dom
    assert dom.count('class="sentence"') == 50 and "&lt;/script&gt;" in dom


def test_label_studio_pre_annotations_nobody_reviewed_are_shown_when_asked(tmp_path, run_cli, caplog):
    """Looking at the pre-annotations before the review: by default a Label Studio file's unreviewed tasks are
    left out, as `data convert` leaves them, and the message names the option that keeps them."""
    tasks = write_sentences([PREDICTED, PREDICTED.model_copy(update={"id": "b"})], tmp_path / "review.json")
    page = tmp_path / "view.html"
    skipped = run_cli("view", tasks, "-o", page)
    assert "2 tasks nobody reviewed" in caplog.text and "--unreviewed keep" in caplog.text
    assert "view.html: 0 sentences" in skipped.output
    kept = run_cli("view", tasks, "-o", page, "--unreviewed", "keep")
    assert kept.exit_code == 0 and "view.html: 2 sentences" in kept.output

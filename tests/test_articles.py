import json

import pytest

from nerdistill.core.data.articles import article_sentences, read_articles
from nerdistill.core.errors import NerdistillError


def test_jsonl_articles_keep_id_and_category(tmp_path):
    path = tmp_path / "news.jsonl"
    records = [{"id": "business/001", "category": "business", "title": "T", "text": "Shares rose. Prices fell."},
               {"id": "business/002", "category": "business", "title": "T", "text": "Shares rose. Prices fell."},
               {"id": "sport/001", "category": "sport", "title": "U", "text": "Chelsea won 2-0 at home on Sunday."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    articles = read_articles(path)
    everything = article_sentences(articles, source="bbc")
    assert [s.id for s in everything] == ["business/001:0", "business/001:1", "business/002:0",
                                          "business/002:1", "sport/001:0"]
    deduped = article_sentences(articles, source="bbc", dedupe=True, min_tokens=4)
    assert [s.text for s in deduped] == ["Chelsea won 2-0 at home on Sunday ."]
    assert deduped[0].document == "sport/001" and deduped[0].meta == {"category": "sport"}
    assert article_sentences(articles, source="bbc", max_tokens=3)[0].tokens == ("Shares", "rose", ".")


def test_folder_of_text_files_uses_folder_as_category(tmp_path):
    (tmp_path / "tech").mkdir()
    (tmp_path / "tech" / "001.txt").write_text("Apple rose. Google fell.")
    (article,) = read_articles(tmp_path)
    assert (article.id, article.category) == ("tech/001", "tech")


def test_bad_article_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n')
    with pytest.raises(NerdistillError, match="'text'") as error:
        read_articles(path)
    assert error.value.line == 2

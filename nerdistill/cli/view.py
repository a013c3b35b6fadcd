"""``nerdistill view``: annotations on one HTML page, with the differences from gold or another annotation."""

from __future__ import annotations

from pathlib import Path

import click

from nerdistill.cli.options import labels_option, unreviewed_option
from nerdistill.core.data.files import write_if_changed
from nerdistill.core.data.formats import read_sentences
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.reporting.viewer import view_data, view_html

existing = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("file", type=existing)
@click.option("--gold", type=existing, help="Gold sentences: each difference marked (missed, spurious, wrong type, "
                                            "wrong boundary) and the scores of `evaluate annotations` shown.")
@click.option("--other", type=existing, help="A second annotation of the same sentences to compare with (another "
                                             "teacher, prompt or student) instead of gold.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML page to write (self-contained: it needs no network).")
@click.option("--matched-only", is_flag=True, help="Show only the reference sentences FILE has (by default, as "
                                                  "in `evaluate annotations`, a missing one is scored as no entity).")
@labels_option(default=None)
@unreviewed_option
def view(file: Path, gold: Path | None, other: Path | None, output: Path, matched_only: bool,
         label_set: LabelSet | None, unreviewed: str) -> None:
    """Write FILE's sentences and entities as one HTML page, highlighted by type as displaCy does, with the
    confidence of each entity where FILE has one (LLM log probabilities, a student's scores). With --gold or
    --other, each entity is marked correct, of the wrong type, at a wrong boundary, spurious or missed. The page
    filters by type, difference and confidence, pages through any number of sentences, and keeps its filters in
    its address (view.html#kind=missed&types=ORG)."""
    if gold is not None and other is not None:
        raise click.UsageError("give --gold or --other, not both")
    reference_path = gold or other
    sentences = read_sentences(file, label_set=label_set, unreviewed=unreviewed)
    reference = read_sentences(reference_path, label_set=label_set, unreviewed=unreviewed) if reference_path else None
    reference_name = None if reference_path is None else ("gold" if gold else reference_path.name)
    data = view_data(sentences, reference, name=file.name, reference_name=reference_name, label_set=label_set,
                     matched_only=matched_only)
    write_if_changed(output, view_html(data))
    click.echo(f"wrote {output}: {len(data['sentences'])} sentences", err=True)

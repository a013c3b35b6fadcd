"""``nerdistill annotate``: sentences in, LLM-annotated ("distilled") sentences out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import click

from nerdistill.cli.options import few_shot_options, labels_option, raw_text_options, strategy_from_options
from nerdistill.core.annotation.confidence import require_logprobs
from nerdistill.core.config.loading import parse_assignments
from nerdistill.core.annotation.distilled import distilled_sentences, write_distilled
from nerdistill.core.annotation.estimate import estimate
from nerdistill.core.data.inputs import InputFormat, read_input_sentences
from nerdistill.core.data.labels import LabelSet
from nerdistill.core.data.tokenizer import SplitMode, TokenizerStyle
from nerdistill.core.paths import default_store_path
from nerdistill.core.plugins.registry import registry
from nerdistill.core.annotation.runner import AnnotationJob, checked_rescue
from nerdistill.core.annotation.store import AnnotationStore
from nerdistill.core.tables import format_table


@click.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Distilled sentences (.jsonl, or .conll for tags only).")
@click.option("--provider", default="litellm", show_default=True, help="litellm, local, file, or a plugin's.")
@click.option("--model", default=None, help="The provider's model (litellm string, or local catalogue name/path).")
@click.option("-O", "--provider-option", "provider_options", multiple=True, metavar="KEY=VALUE",
              help="Another provider option, e.g. -O api_base=http://127.0.0.1:8080/v1. Repeatable.")
@click.option("-R", "--rescue-option", "rescue_options", multiple=True, metavar="KEY=VALUE",
              help="Ask once more, with this provider option changed, for the sentences whose answer was invalid, "
                   "e.g. -R repeat_penalty=1.1. Repeatable.")
@click.option("--strategy", default="standard", show_default=True, help="standard, cot, or a plugin's.")
@labels_option()
@few_shot_options
@click.option("--on-invalid", type=click.Choice(["repair", "reask"]), default=None,
              help="Drop unknown types and strings not in the sentence, or send the answer back [default: the "
                   "strategy's own; repair for the built-ins].")
@click.option("--max-retries", type=click.IntRange(min=0), default=None,
              help="Re-asks after an invalid answer [default: the strategy's own; 2 for the built-ins].")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Annotation store (SQLite); default $NERDISTILL_HOME/annotations.sqlite.")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N sentences.")
@click.option("--input-format", type=click.Choice(get_args(InputFormat)),
              help="How to read INPUT. Default: by its name and, for a .txt file, its first line.")
@raw_text_options
@click.option("--require-entities", is_flag=True, help="Drop sentences with no entity (as the paper does for BBC).")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
              help="Drop sentences with an entity the LLM gave a lower probability (needs -O logprobs=true).")
@click.option("--retry-failed", is_flag=True, help="Ask again for sentences whose stored answer was invalid.")
@click.option("--offline", is_flag=True, envvar="NERDISTILL_OFFLINE",
              help="Refuse any address but loopback (also NERDISTILL_OFFLINE=1).")
@click.option("--dry-run", is_flag=True, help="Estimate calls, tokens and cost; call nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def annotate(input_file: Path, output: Path, provider: str, model: str | None, provider_options: tuple[str, ...],
             rescue_options: tuple[str, ...], strategy: str, label_set: LabelSet, examples: str | None, k: int | None,
             selection: str | None, on_invalid: str | None, max_retries: int | None, store: Path | None,
             concurrency: int, limit: int | None, input_format: InputFormat | None, split: SplitMode,
             style: TokenizerStyle, require_entities: bool, min_confidence: float | None, retry_failed: bool,
             offline: bool, dry_run: bool, as_json: bool) -> None:
    """Annotate the sentences of INPUT with an LLM; every answer is cached, so re-runs cost nothing. INPUT is a
    CoNLL or JSONL sentence file, or raw text (a .txt file or a folder of them; --split line for one tweet a
    line).

    Exits with code 1 when no sentence could be annotated (every answer invalid or failed), after writing
    each failure with its reason to OUTPUT's .failures.jsonl; a run where some succeed exits 0."""
    sentences = read_input_sentences(input_file, input_format, split=split, style=style)[:limit]
    options = parse_assignments(provider_options, option="--provider-option")
    if model is not None:
        options["model"] = model
    provider_class = registry("providers").get(provider, option="--provider")
    chosen = provider_class(provider, options)
    if min_confidence is not None:
        require_logprobs(chosen, "--min-confidence")
    rescue = None
    if rescue_options:
        changes = parse_assignments(rescue_options, option="--rescue-option")
        rescue = checked_rescue(chosen, provider_class(provider, {**options, **changes}), "--rescue-option")
    prompt = strategy_from_options(strategy, label_set, {"examples": examples, "k": k, "selection": selection,
                                                         "on_invalid": on_invalid, "max_retries": max_retries},
                                   option="--strategy")
    job = AnnotationJob(chosen, prompt, AnnotationStore(store or default_store_path()), concurrency=concurrency,
                        retry_failed=retry_failed, offline=offline, rescue=rescue)
    if dry_run:
        figures = estimate(job, sentences)
        click.echo(json.dumps(figures, indent=2) if as_json else format_table(["", "estimate"], list(figures.items())))
        return
    results, summary = job.run(sentences)
    provenance = {"provider": chosen.name, "model": chosen.model, "strategy": strategy, "version": prompt.version}
    kept, dropped = distilled_sentences(results, provenance=provenance, require_entities=require_entities,
                                        min_confidence=min_confidence)
    failures_path = write_distilled(kept, summary.failures, output)
    report = {**summary.as_dict(), "written": len(kept), **dropped, "output": str(output),
              "failures": str(failures_path) if failures_path else None}
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        strings, rescued = report.pop("strings"), report.pop("rescue", {})
        rows = ([(k, v) for k, v in report.items() if v is not None]
                + [(f"strings {k}", v) for k, v in strings.items()] + [(f"rescue {k}", v) for k, v in rescued.items()])
        click.echo(format_table(["", "value"], rows))
    if sentences and summary.ok == 0:  # after writing and showing every failure: nothing is lost
        raise click.ClickException(f"none of the {len(sentences)} sentences could be annotated: the reasons are in "
                                   f"{failures_path}")

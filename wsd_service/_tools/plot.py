"""``wsd-service plot``: a lemma's occurrences and sense vectors in 2-D, from a local index or a
server."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .client_options import add_client_options
from .corpus_options import add_corpus_option
from .encoder_options import add_encoder_options
from .engines import engine
from .registration import Commands


def register(commands: Commands) -> None:
    parser = commands.add_parser("plot", help="draw a lemma's occurrences and sense vectors in 2-D")
    parser.add_argument("lemma")
    parser.add_argument("--pos", choices=("NOUN", "VERB", "ADJ", "ADV"), default="NOUN")
    parser.add_argument("--sentences", type=Path, help="raw sentences, one per line (labels: predicted)")
    add_corpus_option(
        parser, "--corpus", "annotated corpus (labels: gold); default: the corpora the index was built from"
    )
    parser.add_argument("--out", type=Path, required=True, help="PNG file")
    parser.add_argument("--data", type=Path, help="also write the projected points and labels as JSON")
    add_client_options(parser, or_index=True)
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .sense_space import draw, occurrences_for, sense_space

    lemma = "_".join(args.lemma.lower().split())
    with engine(args) as api:
        occurrences, source = occurrences_for(api, lemma, args.pos, args.sentences, args.corpus)
        space = sense_space(api, lemma, args.pos, occurrences, source)
    draw(space, args.out)
    if args.data:
        args.data.write_text(json.dumps(space.to_json(), indent=1), encoding="utf-8")
    print(f"{args.out}: {len(space.labels)} occurrences, {len(set(space.labels))} senses", file=sys.stderr)
    return 0

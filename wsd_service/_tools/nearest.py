"""``wsd-service nearest``: the nearest senses of every word across the whole inventory, from a
local index or a running server (``--server``; then no engine is imported, as for ``query``)."""

from __future__ import annotations

import argparse

from .output import print_results
from .query import open_client

_NONE = "no word of this text is a target (only stopwords and punctuation)"


def nearest(args: argparse.Namespace) -> int:
    if args.server:
        with open_client(args) as client:
            results = client.nearest_senses(args.text, top_k=args.top_k)
    else:
        from .._engine.disambiguator import Disambiguator
        from .encoder_options import index_encoder

        engine = Disambiguator.load(args.index, index_encoder(args.index, args))
        results = engine.nearest_senses(args.text, top_k=args.top_k)
    print_results(results, args.json, _NONE)
    return 0

"""Translation between wsd.v1 messages and the engine's types, both directions; no logic of its own."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .documents import (
    Document,
    Embedding,
    InputToken,
    SenseInfo,
    SenseScore,
    StreamResult,
    TargetResult,
    WordVector,
)
from .errors import InputError, WsdError
from .manifest import Manifest
from .sense import Sense
from .status import from_status, to_status

POS_TO_PROTO = {
    "NOUN": pb.PART_OF_SPEECH_NOUN,
    "VERB": pb.PART_OF_SPEECH_VERB,
    "ADJ": pb.PART_OF_SPEECH_ADJ,
    "ADV": pb.PART_OF_SPEECH_ADV,
}
POS_FROM_PROTO: dict[int, str] = {int(value): tag for tag, value in POS_TO_PROTO.items()}
SOURCE_TO_PROTO = {
    "corpus": pb.VECTOR_SOURCE_CORPUS,
    "gloss": pb.VECTOR_SOURCE_GLOSS,
    "propagated": pb.VECTOR_SOURCE_PROPAGATED,
    "custom": pb.VECTOR_SOURCE_CUSTOM,
}
SOURCE_FROM_PROTO = {int(value): name for name, value in SOURCE_TO_PROTO.items()}


def _vector(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


# -- requests: the client builds them, the server reads them ----------------------------------


def pos_from_proto(value: int, field: str) -> str | None:
    """None for UNSPECIFIED; INVALID_ARGUMENT for a value this version does not know."""
    if value == pb.PART_OF_SPEECH_UNSPECIFIED:
        return None
    if value not in POS_FROM_PROTO:
        raise InputError(f"{field}: unknown PartOfSpeech value {value}", field=field)
    return POS_FROM_PROTO[value]


def document_to_proto(document: Document) -> pb.Document:
    targets = list(document.targets or ())
    if document.text is not None:
        return pb.Document(text=document.text, target_indexes=targets)
    return pb.Document(tokens=_tokens_to_proto(document.tokens or ()), target_indexes=targets)


def _tokens_to_proto(tokens: Sequence[InputToken]) -> pb.TokenList:
    return pb.TokenList(
        tokens=[
            pb.Token(
                text=t.text,
                lemma=t.lemma or "",
                pos=POS_TO_PROTO.get(t.pos or "", pb.PART_OF_SPEECH_UNSPECIFIED),
                target=t.target,
            )
            for t in tokens
        ]
    )


def document_from_proto(message: pb.Document | pb.EmbedRequest, field: str) -> Document:
    content = message.WhichOneof("content")
    if content is None:
        raise InputError(f"{field}: set either text or tokens", field=field)
    targets = list(message.target_indexes) or None if isinstance(message, pb.Document) else None
    if content == "text":
        return Document(text=message.text, targets=targets)
    tokens = [
        token_from_proto(token, f"{field}.tokens.tokens[{number}]")
        for number, token in enumerate(message.tokens.tokens)
    ]
    return Document(tokens=tokens, targets=targets)


def token_from_proto(message: pb.Token, field: str) -> InputToken:
    if not message.text.strip():
        raise InputError(f"{field}.text: a token needs its text", field=f"{field}.text")
    target = message.target if message.HasField("target") else None
    pos = pos_from_proto(message.pos, f"{field}.pos")
    return InputToken(message.text, message.lemma or None, pos, target)


def disambiguate_request(
    documents: Sequence[Document], top_k: int, include_glosses: bool
) -> pb.DisambiguateRequest:
    return pb.DisambiguateRequest(
        documents=[document_to_proto(d) for d in documents],
        options=disambiguate_options(top_k, include_glosses),
    )


def disambiguate_options(top_k: int, include_glosses: bool) -> pb.DisambiguateOptions:
    return pb.DisambiguateOptions(top_k=requested_top_k(top_k), include_glosses=include_glosses)


def requested_top_k(top_k: int) -> int:
    """``top_k`` for the wire, where 0 means the server's default: a caller's 0 or less is
    refused here, as the local engine refuses it."""
    if top_k < 1:
        raise InputError(f"top_k must be at least 1, got {top_k}", field="top_k")
    return top_k


def embed_request(document: Document, layers: Sequence[int], include_static: bool) -> pb.EmbedRequest:
    if document.text is not None:
        return pb.EmbedRequest(text=document.text, layers=list(layers), include_static=include_static)
    tokens = _tokens_to_proto(document.tokens or ())
    return pb.EmbedRequest(tokens=tokens, layers=list(layers), include_static=include_static)


def nearest_request(document: Document, top_k: int, include_glosses: bool) -> pb.NearestSensesRequest:
    return pb.NearestSensesRequest(
        document=document_to_proto(document), top_k=requested_top_k(top_k), include_glosses=include_glosses
    )


def lookup_request(lemma: str, pos: str | None, include_vectors: bool) -> pb.LookupSensesRequest:
    return pb.LookupSensesRequest(
        lemma=lemma,
        pos=POS_TO_PROTO.get(pos or "", pb.PART_OF_SPEECH_UNSPECIFIED),
        include_vectors=include_vectors,
    )


# -- responses: the server builds them, the client reads them ---------------------------------


def document_result_to_proto(results: Sequence[TargetResult], include_glosses: bool) -> pb.DocumentResult:
    return pb.DocumentResult(targets=[_target_to_proto(r, include_glosses) for r in results])


def _target_to_proto(result: TargetResult, include_glosses: bool) -> pb.TargetResult:
    return pb.TargetResult(
        token_index=result.token_index,
        text=result.text,
        lemma=result.lemma,
        pos=POS_TO_PROTO.get(result.pos, pb.PART_OF_SPEECH_UNSPECIFIED),
        char_start=result.start,
        char_end=result.end,
        senses=[
            pb.SenseScore(
                sense_key=s.key,
                synset_id=s.synset_id,
                score=s.score,
                gloss=s.gloss if include_glosses else "",
                source=SOURCE_TO_PROTO.get(s.source, pb.VECTOR_SOURCE_UNSPECIFIED),
            )
            for s in result.senses
        ],
    )


def nearest_response(results: Sequence[TargetResult], include_glosses: bool) -> pb.NearestSensesResponse:
    return pb.NearestSensesResponse(targets=[_target_to_proto(r, include_glosses) for r in results])


def document_result_from_proto(message: pb.DocumentResult | pb.NearestSensesResponse) -> list[TargetResult]:
    """The targets of a DocumentResult, or of a NearestSensesResponse (the same field)."""
    return [
        TargetResult(
            token_index=t.token_index,
            text=t.text,
            lemma=t.lemma,
            pos=POS_FROM_PROTO.get(t.pos, ""),
            start=t.char_start if t.HasField("char_start") else None,
            end=t.char_end if t.HasField("char_end") else None,
            senses=[
                SenseScore(s.sense_key, s.synset_id, s.score, s.gloss, SOURCE_FROM_PROTO.get(s.source, ""))
                for s in t.senses
            ],
        )
        for t in message.targets
    ]


def results_from_proto(response: pb.DisambiguateResponse) -> list[list[TargetResult]]:
    return [document_result_from_proto(d) for d in response.documents]


def stream_response(
    request_id: str, outcome: list[TargetResult] | WsdError, include_glosses: bool
) -> pb.DisambiguateStreamResponse:
    if isinstance(outcome, WsdError):
        return pb.DisambiguateStreamResponse(id=request_id, error=to_status(outcome))
    return pb.DisambiguateStreamResponse(
        id=request_id, result=document_result_to_proto(outcome, include_glosses)
    )


def stream_result_from_proto(response: pb.DisambiguateStreamResponse) -> StreamResult:
    if response.WhichOneof("outcome") == "error":
        return StreamResult([], from_status(response.error))
    return StreamResult(document_result_from_proto(response.result))


def embedding_to_proto(embedding: Embedding) -> pb.EmbedResponse:
    return pb.EmbedResponse(
        dimension=len(embedding.words[0].contextual) if embedding.words else 0,
        layers=list(embedding.layers),
        words=[
            pb.WordVector(
                text=w.text,
                char_start=w.start,
                char_end=w.end,
                contextual=w.contextual.tolist(),
                static=[] if w.static is None else w.static.tolist(),
            )
            for w in embedding.words
        ],
    )


def embedding_from_proto(response: pb.EmbedResponse) -> Embedding:
    words = [
        WordVector(
            w.text,
            w.char_start if w.HasField("char_start") else None,
            w.char_end if w.HasField("char_end") else None,
            _vector(w.contextual),
            _vector(w.static) if w.static else None,
        )
        for w in response.words
    ]
    return Embedding(tuple(response.layers), words)


def sense_info_to_proto(info: SenseInfo) -> pb.SenseInfo:
    sense = info.sense
    return pb.SenseInfo(
        sense_key=sense.key,
        synset_id=sense.synset_id,
        pos=POS_TO_PROTO[sense.pos],
        sense_number=sense.sense_number,
        tag_count=sense.tag_count,
        gloss=sense.gloss,
        examples=list(sense.examples),
        lexname=sense.lexname,
        synonyms=list(sense.synonyms),
        source=SOURCE_TO_PROTO.get(info.source, pb.VECTOR_SOURCE_UNSPECIFIED),
        vector=[] if info.vector is None else info.vector.tolist(),
        lemma=sense.lemma,
    )


def sense_infos_from_proto(response: pb.LookupSensesResponse) -> list[SenseInfo]:
    return [
        SenseInfo(
            Sense(
                key=s.sense_key,
                lemma=s.lemma,
                pos=POS_FROM_PROTO.get(s.pos, ""),
                synset_id=s.synset_id,
                sense_number=s.sense_number,
                tag_count=s.tag_count,
                gloss=s.gloss,
                examples=tuple(s.examples),
                lexname=s.lexname,
                synonyms=tuple(s.synonyms),
                custom=s.source == pb.VECTOR_SOURCE_CUSTOM,
            ),
            SOURCE_FROM_PROTO.get(s.source, ""),
            _vector(s.vector) if s.vector else None,
        )
        for s in response.senses
    ]


def index_info_to_proto(manifest: Manifest) -> pb.GetIndexInfoResponse:
    by_source = {name: count for name, count in manifest.senses.items() if name != "total"}
    return pb.GetIndexInfoResponse(
        manifest_json=manifest.to_json(),
        format_version=manifest.format_version,
        encoder=manifest.encoder.name,
        encoder_weights_sha256=manifest.encoder.weights_sha256,
        layers=list(manifest.encoder.layer_indexes),
        dimension=manifest.dimension,
        sense_count=manifest.senses.get("total", sum(by_source.values())),
        sense_count_by_source=by_source,
    )

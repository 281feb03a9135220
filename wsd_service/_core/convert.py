"""Translation between wsd.v1 messages and the engine's types; no logic of its own."""

from __future__ import annotations

from collections.abc import Sequence

from .._engine.index import Manifest, SenseRow
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .documents import Document, InputToken, SenseScore, TargetResult
from .errors import InputError
from .sense import Sense

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


def pos_from_proto(value: int, field: str) -> str | None:
    """None for UNSPECIFIED; INVALID_ARGUMENT for a value this version does not know."""
    if value == pb.PART_OF_SPEECH_UNSPECIFIED:
        return None
    if value not in POS_FROM_PROTO:
        raise InputError(f"{field}: unknown PartOfSpeech value {value}")
    return POS_FROM_PROTO[value]


def document_from_proto(message: pb.Document, field: str) -> Document:
    content = message.WhichOneof("content")
    if content is None:
        raise InputError(f"{field}: set either text or tokens")
    targets = list(message.target_indexes) or None
    if content == "text":
        return Document(text=message.text, targets=targets)
    tokens = [
        token_from_proto(token, f"{field}.tokens.tokens[{number}]")
        for number, token in enumerate(message.tokens.tokens)
    ]
    return Document(tokens=tokens, targets=targets)


def token_from_proto(message: pb.Token, field: str) -> InputToken:
    if not message.text.strip():
        raise InputError(f"{field}.text: a token needs its text")
    target = message.target if message.HasField("target") else None
    pos = pos_from_proto(message.pos, f"{field}.pos")
    return InputToken(message.text, message.lemma or None, pos, target)


def document_result_to_proto(results: Sequence[TargetResult], include_glosses: bool) -> pb.DocumentResult:
    return pb.DocumentResult(targets=[_target_to_proto(r, include_glosses) for r in results])


def _target_to_proto(result: TargetResult, include_glosses: bool) -> pb.TargetResult:
    return pb.TargetResult(
        token_index=result.token_index,
        text=result.text,
        lemma=result.lemma,
        pos=POS_TO_PROTO.get(result.pos, pb.PART_OF_SPEECH_UNSPECIFIED),
        char_start=result.start or 0,
        char_end=result.end or 0,
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


def sense_info_to_proto(sense: Sense, row: SenseRow | None) -> pb.SenseInfo:
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
        source=SOURCE_TO_PROTO.get(row.source if row else "", pb.VECTOR_SOURCE_UNSPECIFIED),
        has_corpus_vector=row is not None and row.source == "corpus",
    )


def index_info_to_proto(manifest: Manifest) -> pb.GetIndexInfoResponse:
    senses = dict(manifest.senses)
    total = senses.pop("total", 0)
    return pb.GetIndexInfoResponse(
        manifest_json=manifest.to_json(),
        format_version=manifest.format_version,
        encoder=manifest.encoder.name,
        encoder_weights_sha256=manifest.encoder.weights_sha256,
        layers=manifest.encoder.layers,
        dimension=manifest.dimension,
        senses=total,
        senses_by_source=senses,
    )


# -- the client's direction -----------------------------------------------------------------

SOURCE_FROM_PROTO = {int(value): name for name, value in SOURCE_TO_PROTO.items()}


def document_to_proto(document: Document) -> pb.Document:
    targets = list(document.targets or ())
    if document.text is not None:
        return pb.Document(text=document.text, target_indexes=targets)
    tokens = [
        pb.Token(
            text=t.text,
            lemma=t.lemma or "",
            pos=POS_TO_PROTO.get(t.pos or "", pb.PART_OF_SPEECH_UNSPECIFIED),
            target=t.target,
        )
        for t in document.tokens or ()
    ]
    return pb.Document(tokens=pb.TokenList(tokens=tokens), target_indexes=targets)


def document_result_from_proto(message: pb.DocumentResult, has_text: bool) -> list[TargetResult]:
    return [
        TargetResult(
            token_index=t.token_index,
            text=t.text,
            lemma=t.lemma,
            pos=POS_FROM_PROTO.get(t.pos, ""),
            start=t.char_start if has_text else None,
            end=t.char_end if has_text else None,
            senses=[
                SenseScore(s.sense_key, s.synset_id, s.score, s.gloss, SOURCE_FROM_PROTO.get(s.source, ""))
                for s in t.senses
            ],
        )
        for t in message.targets
    ]


def sense_from_proto(message: pb.SenseInfo, lemma: str) -> Sense:
    return Sense(
        key=message.sense_key,
        lemma=lemma,
        pos=POS_FROM_PROTO.get(message.pos, ""),
        synset_id=message.synset_id,
        sense_number=message.sense_number,
        tag_count=message.tag_count,
        gloss=message.gloss,
        examples=tuple(message.examples),
        lexname=message.lexname,
        synonyms=tuple(message.synonyms),
    )

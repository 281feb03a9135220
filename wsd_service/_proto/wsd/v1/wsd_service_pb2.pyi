from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartOfSpeech(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PART_OF_SPEECH_UNSPECIFIED: _ClassVar[PartOfSpeech]
    PART_OF_SPEECH_NOUN: _ClassVar[PartOfSpeech]
    PART_OF_SPEECH_VERB: _ClassVar[PartOfSpeech]
    PART_OF_SPEECH_ADJ: _ClassVar[PartOfSpeech]
    PART_OF_SPEECH_ADV: _ClassVar[PartOfSpeech]

class VectorSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VECTOR_SOURCE_UNSPECIFIED: _ClassVar[VectorSource]
    VECTOR_SOURCE_CORPUS: _ClassVar[VectorSource]
    VECTOR_SOURCE_GLOSS: _ClassVar[VectorSource]
    VECTOR_SOURCE_PROPAGATED: _ClassVar[VectorSource]
    VECTOR_SOURCE_CUSTOM: _ClassVar[VectorSource]
PART_OF_SPEECH_UNSPECIFIED: PartOfSpeech
PART_OF_SPEECH_NOUN: PartOfSpeech
PART_OF_SPEECH_VERB: PartOfSpeech
PART_OF_SPEECH_ADJ: PartOfSpeech
PART_OF_SPEECH_ADV: PartOfSpeech
VECTOR_SOURCE_UNSPECIFIED: VectorSource
VECTOR_SOURCE_CORPUS: VectorSource
VECTOR_SOURCE_GLOSS: VectorSource
VECTOR_SOURCE_PROPAGATED: VectorSource
VECTOR_SOURCE_CUSTOM: VectorSource

class Token(_message.Message):
    __slots__ = ("text", "lemma", "pos", "target")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    text: str
    lemma: str
    pos: PartOfSpeech
    target: bool
    def __init__(self, text: _Optional[str] = ..., lemma: _Optional[str] = ..., pos: _Optional[_Union[PartOfSpeech, str]] = ..., target: _Optional[bool] = ...) -> None: ...

class TokenList(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    def __init__(self, tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("text", "tokens", "target_indexes")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    TARGET_INDEXES_FIELD_NUMBER: _ClassVar[int]
    text: str
    tokens: TokenList
    target_indexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, text: _Optional[str] = ..., tokens: _Optional[_Union[TokenList, _Mapping]] = ..., target_indexes: _Optional[_Iterable[int]] = ...) -> None: ...

class DisambiguateOptions(_message.Message):
    __slots__ = ("top_k", "include_glosses")
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_GLOSSES_FIELD_NUMBER: _ClassVar[int]
    top_k: int
    include_glosses: bool
    def __init__(self, top_k: _Optional[int] = ..., include_glosses: _Optional[bool] = ...) -> None: ...

class DisambiguateRequest(_message.Message):
    __slots__ = ("documents", "options")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    options: DisambiguateOptions
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., options: _Optional[_Union[DisambiguateOptions, _Mapping]] = ...) -> None: ...

class SenseScore(_message.Message):
    __slots__ = ("sense_key", "synset_id", "score", "gloss", "source")
    SENSE_KEY_FIELD_NUMBER: _ClassVar[int]
    SYNSET_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    GLOSS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    sense_key: str
    synset_id: str
    score: float
    gloss: str
    source: VectorSource
    def __init__(self, sense_key: _Optional[str] = ..., synset_id: _Optional[str] = ..., score: _Optional[float] = ..., gloss: _Optional[str] = ..., source: _Optional[_Union[VectorSource, str]] = ...) -> None: ...

class TargetResult(_message.Message):
    __slots__ = ("token_index", "text", "lemma", "pos", "char_start", "char_end", "senses")
    TOKEN_INDEX_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    CHAR_START_FIELD_NUMBER: _ClassVar[int]
    CHAR_END_FIELD_NUMBER: _ClassVar[int]
    SENSES_FIELD_NUMBER: _ClassVar[int]
    token_index: int
    text: str
    lemma: str
    pos: PartOfSpeech
    char_start: int
    char_end: int
    senses: _containers.RepeatedCompositeFieldContainer[SenseScore]
    def __init__(self, token_index: _Optional[int] = ..., text: _Optional[str] = ..., lemma: _Optional[str] = ..., pos: _Optional[_Union[PartOfSpeech, str]] = ..., char_start: _Optional[int] = ..., char_end: _Optional[int] = ..., senses: _Optional[_Iterable[_Union[SenseScore, _Mapping]]] = ...) -> None: ...

class DocumentResult(_message.Message):
    __slots__ = ("targets",)
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    targets: _containers.RepeatedCompositeFieldContainer[TargetResult]
    def __init__(self, targets: _Optional[_Iterable[_Union[TargetResult, _Mapping]]] = ...) -> None: ...

class DisambiguateResponse(_message.Message):
    __slots__ = ("documents",)
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentResult]
    def __init__(self, documents: _Optional[_Iterable[_Union[DocumentResult, _Mapping]]] = ...) -> None: ...

class DisambiguateStreamRequest(_message.Message):
    __slots__ = ("id", "document", "options")
    ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    document: Document
    options: DisambiguateOptions
    def __init__(self, id: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., options: _Optional[_Union[DisambiguateOptions, _Mapping]] = ...) -> None: ...

class DisambiguateStreamResponse(_message.Message):
    __slots__ = ("id", "result", "error")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    id: str
    result: DocumentResult
    error: _status_pb2.Status
    def __init__(self, id: _Optional[str] = ..., result: _Optional[_Union[DocumentResult, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class EmbedRequest(_message.Message):
    __slots__ = ("text", "tokens", "layers", "include_static")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_STATIC_FIELD_NUMBER: _ClassVar[int]
    text: str
    tokens: TokenList
    layers: _containers.RepeatedScalarFieldContainer[int]
    include_static: bool
    def __init__(self, text: _Optional[str] = ..., tokens: _Optional[_Union[TokenList, _Mapping]] = ..., layers: _Optional[_Iterable[int]] = ..., include_static: _Optional[bool] = ...) -> None: ...

class WordVector(_message.Message):
    __slots__ = ("text", "char_start", "char_end", "contextual", "static")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CHAR_START_FIELD_NUMBER: _ClassVar[int]
    CHAR_END_FIELD_NUMBER: _ClassVar[int]
    CONTEXTUAL_FIELD_NUMBER: _ClassVar[int]
    STATIC_FIELD_NUMBER: _ClassVar[int]
    text: str
    char_start: int
    char_end: int
    contextual: _containers.RepeatedScalarFieldContainer[float]
    static: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, text: _Optional[str] = ..., char_start: _Optional[int] = ..., char_end: _Optional[int] = ..., contextual: _Optional[_Iterable[float]] = ..., static: _Optional[_Iterable[float]] = ...) -> None: ...

class EmbedResponse(_message.Message):
    __slots__ = ("dimension", "layers", "words")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    layers: _containers.RepeatedScalarFieldContainer[int]
    words: _containers.RepeatedCompositeFieldContainer[WordVector]
    def __init__(self, dimension: _Optional[int] = ..., layers: _Optional[_Iterable[int]] = ..., words: _Optional[_Iterable[_Union[WordVector, _Mapping]]] = ...) -> None: ...

class LookupSensesRequest(_message.Message):
    __slots__ = ("lemma", "pos", "include_vectors")
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    lemma: str
    pos: PartOfSpeech
    include_vectors: bool
    def __init__(self, lemma: _Optional[str] = ..., pos: _Optional[_Union[PartOfSpeech, str]] = ..., include_vectors: _Optional[bool] = ...) -> None: ...

class SenseInfo(_message.Message):
    __slots__ = ("sense_key", "synset_id", "pos", "sense_number", "tag_count", "gloss", "examples", "lexname", "synonyms", "source", "vector", "lemma")
    SENSE_KEY_FIELD_NUMBER: _ClassVar[int]
    SYNSET_ID_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    SENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TAG_COUNT_FIELD_NUMBER: _ClassVar[int]
    GLOSS_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    LEXNAME_FIELD_NUMBER: _ClassVar[int]
    SYNONYMS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    sense_key: str
    synset_id: str
    pos: PartOfSpeech
    sense_number: int
    tag_count: int
    gloss: str
    examples: _containers.RepeatedScalarFieldContainer[str]
    lexname: str
    synonyms: _containers.RepeatedScalarFieldContainer[str]
    source: VectorSource
    vector: _containers.RepeatedScalarFieldContainer[float]
    lemma: str
    def __init__(self, sense_key: _Optional[str] = ..., synset_id: _Optional[str] = ..., pos: _Optional[_Union[PartOfSpeech, str]] = ..., sense_number: _Optional[int] = ..., tag_count: _Optional[int] = ..., gloss: _Optional[str] = ..., examples: _Optional[_Iterable[str]] = ..., lexname: _Optional[str] = ..., synonyms: _Optional[_Iterable[str]] = ..., source: _Optional[_Union[VectorSource, str]] = ..., vector: _Optional[_Iterable[float]] = ..., lemma: _Optional[str] = ...) -> None: ...

class LookupSensesResponse(_message.Message):
    __slots__ = ("lemma", "senses")
    LEMMA_FIELD_NUMBER: _ClassVar[int]
    SENSES_FIELD_NUMBER: _ClassVar[int]
    lemma: str
    senses: _containers.RepeatedCompositeFieldContainer[SenseInfo]
    def __init__(self, lemma: _Optional[str] = ..., senses: _Optional[_Iterable[_Union[SenseInfo, _Mapping]]] = ...) -> None: ...

class GetIndexInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetIndexInfoResponse(_message.Message):
    __slots__ = ("manifest_json", "format_version", "encoder", "encoder_weights_sha256", "layers", "dimension", "sense_count", "sense_count_by_source")
    class SenseCountBySourceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    MANIFEST_JSON_FIELD_NUMBER: _ClassVar[int]
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENCODER_FIELD_NUMBER: _ClassVar[int]
    ENCODER_WEIGHTS_SHA256_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    SENSE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SENSE_COUNT_BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    manifest_json: str
    format_version: int
    encoder: str
    encoder_weights_sha256: str
    layers: _containers.RepeatedScalarFieldContainer[int]
    dimension: int
    sense_count: int
    sense_count_by_source: _containers.ScalarMap[str, int]
    def __init__(self, manifest_json: _Optional[str] = ..., format_version: _Optional[int] = ..., encoder: _Optional[str] = ..., encoder_weights_sha256: _Optional[str] = ..., layers: _Optional[_Iterable[int]] = ..., dimension: _Optional[int] = ..., sense_count: _Optional[int] = ..., sense_count_by_source: _Optional[_Mapping[str, int]] = ...) -> None: ...

class NearestSensesRequest(_message.Message):
    __slots__ = ("document", "top_k", "include_glosses")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_GLOSSES_FIELD_NUMBER: _ClassVar[int]
    document: Document
    top_k: int
    include_glosses: bool
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., top_k: _Optional[int] = ..., include_glosses: _Optional[bool] = ...) -> None: ...

class NearestSensesResponse(_message.Message):
    __slots__ = ("targets",)
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    targets: _containers.RepeatedCompositeFieldContainer[TargetResult]
    def __init__(self, targets: _Optional[_Iterable[_Union[TargetResult, _Mapping]]] = ...) -> None: ...

"""Regenerate the OpenAPI 3.1 document of the HTTP/JSON routes from the proto's descriptors (run
after editing a .proto file or the routes):

.venv/bin/python scripts/generate_openapi.py          # write wsd_service/_serving/openapi.json
.venv/bin/python scripts/generate_openapi.py --check  # exit 1 when the committed one is stale

Schemas follow the proto3 JSON mapping (lowerCamelCase names, 64-bit integers as strings, enums
by name); descriptions are the proto's comments.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2
from google.rpc import status_pb2
from grpc_tools import protoc

from wsd_service._core.version import __version__
from wsd_service._serving.http_app import OPENAPI, RPC_ROUTES, Route
from wsd_service._serving.http_requests import GRPC_TIMEOUT_HEADER, TIMEOUT_HEADER

ROOT = Path(__file__).resolve().parent.parent
PROTO = "wsd/v1/wsd_service.proto"
SERVICE = "wsd.v1.WsdService"
Schema = dict[str, Any]
Field = descriptor_pb2.FieldDescriptorProto

_SCALARS: dict[int, Schema] = {
    Field.TYPE_DOUBLE: {"type": "number"},
    Field.TYPE_FLOAT: {"type": "number"},
    Field.TYPE_BOOL: {"type": "boolean"},
    Field.TYPE_STRING: {"type": "string"},
    Field.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    Field.TYPE_INT32: {"type": "integer", "format": "int32"},
    Field.TYPE_SINT32: {"type": "integer", "format": "int32"},
    Field.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    Field.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 4294967295},
    Field.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 4294967295},
    # proto3 JSON writes 64-bit integers as strings and reads either
    Field.TYPE_INT64: {"type": ["string", "integer"], "format": "int64"},
    Field.TYPE_SINT64: {"type": ["string", "integer"], "format": "int64"},
    Field.TYPE_SFIXED64: {"type": ["string", "integer"], "format": "int64"},
    Field.TYPE_UINT64: {"type": ["string", "integer"]},
    Field.TYPE_FIXED64: {"type": ["string", "integer"]},
}
_WELL_KNOWN: dict[str, Schema] = {
    ".google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
        "additionalProperties": True,
    },
    ".google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"},
    ".google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
}
_STATUS_NOTE = (
    "A google.rpc.Status: the gRPC status code (3 INVALID_ARGUMENT: HTTP 400, 16 UNAUTHENTICATED:"
    " 401, 5 NOT_FOUND: 404, 8 RESOURCE_EXHAUSTED: 429 with Retry-After, or 413 for a body over"
    " the message limit, 14 UNAVAILABLE: 503 with Retry-After, 4 DEADLINE_EXCEEDED: 504, 13"
    " INTERNAL: 500), the message naming the problem, and details (ErrorInfo; BadRequest for a"
    " bad field; RetryInfo when a retry may succeed)."
)


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    include = Path(protoc.__file__).parent / "_proto"
    googleapis = Path(status_pb2.__file__).parents[2]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "set.binpb"
        arguments = [
            "protoc",
            f"-I{ROOT / 'protos'}",
            f"-I{include}",
            f"-I{googleapis}",
            "--include_imports",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            PROTO,
        ]
        if protoc.main(arguments) != 0:
            raise SystemExit("protoc failed")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


class Catalogue:
    """Every message and enum of the set by full name, with its comment."""

    def __init__(self, files: descriptor_pb2.FileDescriptorSet) -> None:
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}
        self.comments: dict[tuple[str, ...], str] = {}
        self.rpc_comments: dict[str, str] = {}
        self.methods: dict[str, descriptor_pb2.MethodDescriptorProto] = {}
        for file in files.file:
            self._file(file)

    def _file(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        notes = {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}
        prefix = f".{file.package}"
        for number, message in enumerate(file.message_type):
            self._message(f"{prefix}.{message.name}", message, notes, (4, number))
        for number, enum in enumerate(file.enum_type):
            self._enum(f"{prefix}.{enum.name}", enum, notes, (5, number))
        for s, service in enumerate(file.service):
            for m, method in enumerate(service.method):
                key = f"{file.package}.{service.name}/{method.name}"
                self.methods[key] = method
                self.rpc_comments[key] = notes.get((6, s, 2, m), "")

    def _message(
        self,
        name: str,
        message: descriptor_pb2.DescriptorProto,
        notes: dict[tuple[int, ...], str],
        path: tuple[int, ...],
    ) -> None:
        self.messages[name] = message
        self.comments[(name,)] = notes.get(path, "")
        for number, field in enumerate(message.field):
            self.comments[(name, field.name)] = notes.get((*path, 2, number), "")
        for number, nested in enumerate(message.nested_type):
            self._message(f"{name}.{nested.name}", nested, notes, (*path, 3, number))
        for number, enum in enumerate(message.enum_type):
            self._enum(f"{name}.{enum.name}", enum, notes, (*path, 4, number))

    def _enum(
        self,
        name: str,
        enum: descriptor_pb2.EnumDescriptorProto,
        notes: dict[tuple[int, ...], str],
        path: tuple[int, ...],
    ) -> None:
        self.enums[name] = enum
        values = [f"{v.name}: {notes.get((*path, 2, n), '')}" for n, v in enumerate(enum.value)]
        self.comments[(name,)] = "\n".join([notes.get(path, ""), *values]).strip()


class SchemaWriter:
    """components.schemas for the messages the routes reach, named by their full proto names."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.schemas: dict[str, Schema] = {}

    def ref(self, full_name: str) -> Schema:
        if full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[full_name])
        key = full_name.lstrip(".")
        if key not in self.schemas:
            self.schemas[key] = {}  # reserved first: messages may refer to themselves
            self.schemas[key] = self._define(full_name)
        return {"$ref": f"#/components/schemas/{key}"}

    def _define(self, full_name: str) -> Schema:
        description = self._catalogue.comments.get((full_name,), "")
        if full_name in self._catalogue.enums:
            names = [value.name for value in self._catalogue.enums[full_name].value]
            return {"type": "string", "enum": names, "description": description}
        message = self._catalogue.messages[full_name]
        properties = {field.json_name: self.field(full_name, field) for field in message.field}
        # The server reads the proto's own field names too (top_k beside topK), so other
        # properties stay allowed here; a name it knows neither way is refused by the server.
        return {"type": "object", "description": description, "properties": properties}

    def field(self, owner: str, field: Field) -> Schema:
        entry = self._map_entry(field)
        if entry is not None:
            _, value = entry.field
            schema: Schema = {"type": "object", "additionalProperties": self._single(value)}
        elif field.label == Field.LABEL_REPEATED:
            schema = {"type": "array", "items": self._single(field)}
        else:
            schema = self._single(field)
        note = self._catalogue.comments.get((owner, field.name), "")
        return _described(schema, note)

    def _single(self, field: Field) -> Schema:
        if field.type in (Field.TYPE_MESSAGE, Field.TYPE_ENUM):
            return self.ref(field.type_name)
        return dict(_SCALARS[field.type])

    def _map_entry(self, field: Field) -> descriptor_pb2.DescriptorProto | None:
        if field.type != Field.TYPE_MESSAGE or field.label != Field.LABEL_REPEATED:
            return None
        message = self._catalogue.messages.get(field.type_name)
        return message if message is not None and message.options.map_entry else None


def _described(schema: Schema, note: str) -> Schema:
    """A reference with a description of its own (OpenAPI 3.1 allows siblings of $ref)."""
    return {**schema, "description": note} if note else schema


def operation(route: Route, catalogue: Catalogue, writer: SchemaWriter) -> Schema:
    method = catalogue.methods.get(f"{SERVICE}/{route.rpc}")
    if method is None:
        raise SystemExit(f"{SERVICE} has no method {route.rpc}")
    request, response = method.input_type, method.output_type
    note = catalogue.rpc_comments.get(f"{SERVICE}/{route.rpc}", "")
    status = {
        "description": _STATUS_NOTE,
        "content": {"application/json": {"schema": writer.ref(".google.rpc.Status")}},
    }
    answer_type = "application/x-ndjson" if route.body == "ndjson" else "application/json"
    operation: Schema = {
        "operationId": route.rpc,
        "summary": note.splitlines()[0] if note else route.rpc,
        "description": note + f"\n\nThe JSON is the proto3 JSON mapping of {SERVICE}/{route.rpc}'s messages.",
        "parameters": _deadline_parameters(),
        "responses": {
            "200": {"description": "the answer", "content": {answer_type: {"schema": writer.ref(response)}}},
            "default": status,
        },
    }
    if route.body in ("json", "ndjson"):
        body_type = "application/x-ndjson" if route.body == "ndjson" else "application/json"
        one = " (one per line)" if route.body == "ndjson" else ""
        operation["requestBody"] = {
            "required": True,
            "description": f"a {request.lstrip('.')}{one}",
            "content": {body_type: {"schema": writer.ref(request)}},
        }
    elif route.body == "query":
        operation["parameters"] += _query_parameters(catalogue.messages[request], request, route, writer)
    return operation


def _deadline_parameters() -> list[Schema]:
    return [
        {
            "name": TIMEOUT_HEADER,
            "in": "header",
            "required": False,
            "description": "the caller's deadline in seconds; refused at once when it cannot be met",
            "schema": {"type": "number", "exclusiveMinimum": 0},
        },
        {
            "name": GRPC_TIMEOUT_HEADER,
            "in": "header",
            "required": False,
            "description": "the deadline in gRPC's spelling (digits and a unit of H M S m u n, e.g. 500m)",
            "schema": {"type": "string", "pattern": "^[0-9]{1,8}[HMSmun]$"},
        },
    ]


def _query_parameters(
    message: descriptor_pb2.DescriptorProto, name: str, route: Route, writer: SchemaWriter
) -> list[Schema]:
    in_path = {part.strip("{}") for part in route.path.split("/") if part.startswith("{")}
    parameters = []
    for field in message.field:
        schema = writer.field(name, field)
        description = schema.pop("description", "")
        if field.type == Field.TYPE_ENUM:
            description += " (the enum value's name, or its last part: NOUN)"
        where = "path" if field.name in in_path else "query"
        parameters.append(
            {
                "name": field.name,
                "in": where,
                "required": where == "path",
                "description": description,
                "schema": schema,
            }
        )
    return parameters


def probes() -> dict[str, Schema]:
    def probe(what: str, statuses: list[str]) -> Schema:
        schema = {"type": "object", "properties": {"status": {"type": "string", "enum": statuses}}}
        answer = {"content": {"application/json": {"schema": schema}}}
        return {
            "get": {
                "operationId": what.split()[0],
                "summary": what,
                "security": [],
                "responses": {
                    "200": {"description": "yes", **answer},
                    "503": {"description": "no", **answer},
                },
            }
        }

    return {
        "/healthz": probe("healthz: the process is alive", ["alive"]),
        "/readyz": probe(
            "readyz: the index is loaded and the server is not draining", ["SERVING", "NOT_SERVING"]
        ),
    }


def document(files: descriptor_pb2.FileDescriptorSet) -> Schema:
    catalogue = Catalogue(files)
    writer = SchemaWriter(catalogue)
    paths: dict[str, Schema] = {}
    for route in RPC_ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = operation(route, catalogue, writer)
    paths |= probes()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wsd-service",
            "version": __version__,
            "description": "Word sense disambiguation over HTTP/JSON: the routes carry the gRPC"
            f" service {SERVICE}'s messages in their proto3 JSON mapping.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(writer.schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }


def rendered() -> str:
    return json.dumps(document(descriptor_set()), indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed document is stale")
    args = parser.parse_args()
    fresh = rendered()
    if args.check:
        if not OPENAPI.is_file() or OPENAPI.read_text(encoding="utf-8") != fresh:
            print(f"{OPENAPI.relative_to(ROOT)} is stale: run scripts/generate_openapi.py", file=sys.stderr)
            return 1
        return 0
    OPENAPI.write_text(fresh, encoding="utf-8")
    print(f"wrote {OPENAPI.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""MediaPipe's result messages as genuine protobuf classes, defined here without ``protoc``.

Legacy MediaPipe scripts treat results as protobuf messages: ``json_format.MessageToDict``,
``text_format``, ``HasField``, ``CopyFrom``, ``SerializeToString``, pickling, building a
``NormalizedLandmarkList`` of a few points for ``draw_landmarks``. Those functions accept only
real messages, so this module describes MediaPipe's ``.proto`` files as
``FileDescriptorProto`` values in Python and lets the installed protobuf runtime make the
classes:

- full names, field names, numbers, types and labels are MediaPipe's (``mediapipe.framework.
  formats``: ``landmark.proto``, ``classification.proto``, ``location_data.proto``,
  ``detection.proto``, ``annotation/rasterization.proto``; proto2), so the wire format, text
  format and JSON are MediaPipe's;
- they live in a private ``DescriptorPool``: importing the real MediaPipe in the same process
  (whose generated modules register the same names in protobuf's default pool) does not clash;
- each class records the palmlite module that exposes it (``__module__``), so pickle finds it.

Only ``palmlite.solutions`` imports protobuf: the native API never returns these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = ["ProtoFile", "proto_file"]

_FIELD = descriptor_pb2.FieldDescriptorProto
_OPTIONAL, _REQUIRED = _FIELD.LABEL_OPTIONAL, _FIELD.LABEL_REQUIRED
_REPEATED = _FIELD.LABEL_REPEATED
_FLOAT, _INT32, _INT64 = _FIELD.TYPE_FLOAT, _FIELD.TYPE_INT32, _FIELD.TYPE_INT64
_STRING, _MESSAGE, _ENUM = _FIELD.TYPE_STRING, _FIELD.TYPE_MESSAGE, _FIELD.TYPE_ENUM

#: A field: (name, number, label, type, type name for messages and enums, packed).
FieldSpec = tuple[str, int, int, int, str, bool]


def _field(name: str, number: int, kind: int, label: int = _OPTIONAL, type_name: str = "",
           packed: bool = False) -> FieldSpec:
    return name, number, label, kind, type_name, packed


@dataclass(frozen=True)
class _Message:
    name: str
    fields: tuple[FieldSpec, ...]
    nested: tuple[_Message, ...] = ()
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, value names numbered from 0)

    def to_proto(self) -> Any:
        proto = descriptor_pb2.DescriptorProto(name=self.name)
        for name, number, label, kind, type_name, packed in self.fields:
            field = proto.field.add(name=name, number=number, label=label, type=kind)
            if type_name:
                field.type_name = type_name
            if packed:
                field.options.packed = True
        for nested in self.nested:
            proto.nested_type.add().CopyFrom(nested.to_proto())
        for enum_name, values in self.enums:
            enum = proto.enum_type.add(name=enum_name)
            for number, value in enumerate(values):
                enum.value.add(name=value, number=number)
        return proto


def _point(name: str) -> _Message:
    """``Landmark`` and ``NormalizedLandmark`` have the same five optional floats."""
    return _Message(name, tuple(_field(f, i, _FLOAT) for i, f in
                                enumerate(("x", "y", "z", "visibility", "presence"), 1)))


def _listing(name: str, field: str, item: str) -> _Message:
    return _Message(name, (_field(field, 1, _MESSAGE, _REPEATED, f".mediapipe.{item}"),))


_FORMATS = "mediapipe/framework/formats/"
_BOX = ("xmin", "ymin", "width", "height")

#: MediaPipe 0.10.21's files, in dependency order: (file name, dependencies, messages).
_FILES: tuple[tuple[str, tuple[str, ...], tuple[_Message, ...]], ...] = (
    (_FORMATS + "landmark.proto", (), (
        _point("Landmark"),
        _listing("LandmarkList", "landmark", "Landmark"),
        _listing("LandmarkListCollection", "landmark_list", "LandmarkList"),
        _point("NormalizedLandmark"),
        _listing("NormalizedLandmarkList", "landmark", "NormalizedLandmark"),
        _listing("NormalizedLandmarkListCollection", "landmark_list", "NormalizedLandmarkList"),
    )),
    (_FORMATS + "classification.proto", (), (
        _Message("Classification", (
            _field("index", 1, _INT32), _field("score", 2, _FLOAT),
            _field("label", 3, _STRING), _field("display_name", 4, _STRING))),
        _listing("ClassificationList", "classification", "Classification"),
        _listing("ClassificationListCollection", "classification_list", "ClassificationList"),
    )),
    (_FORMATS + "annotation/rasterization.proto", (), (
        _Message("Rasterization", (
            _field("interval", 1, _MESSAGE, _REPEATED, ".mediapipe.Rasterization.Interval"),),
            nested=(_Message("Interval", tuple(
                _field(f, i, _INT32, _REQUIRED)
                for i, f in enumerate(("y", "left_x", "right_x"), 1))),)),
    )),
    (_FORMATS + "location_data.proto", (_FORMATS + "annotation/rasterization.proto",), (
        _Message("LocationData", (
            _field("format", 1, _ENUM, type_name=".mediapipe.LocationData.Format"),
            _field("bounding_box", 2, _MESSAGE, type_name=".mediapipe.LocationData.BoundingBox"),
            _field("relative_bounding_box", 3, _MESSAGE,
                   type_name=".mediapipe.LocationData.RelativeBoundingBox"),
            _field("mask", 4, _MESSAGE, type_name=".mediapipe.LocationData.BinaryMask"),
            _field("relative_keypoints", 5, _MESSAGE, _REPEATED,
                   ".mediapipe.LocationData.RelativeKeypoint")),
            nested=(
                _Message("BoundingBox", tuple(_field(f, i, _INT32)
                                              for i, f in enumerate(_BOX, 1))),
                _Message("RelativeBoundingBox", tuple(_field(f, i, _FLOAT)
                                                      for i, f in enumerate(_BOX, 1))),
                _Message("BinaryMask", (
                    _field("width", 1, _INT32), _field("height", 2, _INT32),
                    _field("rasterization", 3, _MESSAGE, type_name=".mediapipe.Rasterization"))),
                _Message("RelativeKeypoint", (
                    _field("x", 1, _FLOAT), _field("y", 2, _FLOAT),
                    _field("keypoint_label", 3, _STRING), _field("score", 4, _FLOAT))),
            ),
            enums=(("Format", ("GLOBAL", "BOUNDING_BOX", "RELATIVE_BOUNDING_BOX", "MASK")),)),
    )),
    (_FORMATS + "detection.proto", (_FORMATS + "location_data.proto",), (
        _Message("Detection", (
            _field("label", 1, _STRING, _REPEATED),
            _field("label_id", 2, _INT32, _REPEATED, packed=True),
            _field("score", 3, _FLOAT, _REPEATED, packed=True),
            _field("location_data", 4, _MESSAGE, type_name=".mediapipe.LocationData"),
            _field("feature_tag", 5, _STRING),
            _field("track_id", 6, _STRING),
            _field("detection_id", 7, _INT64),
            _field("associated_detections", 8, _MESSAGE, _REPEATED,
                   ".mediapipe.Detection.AssociatedDetection"),
            _field("display_name", 9, _STRING, _REPEATED),
            _field("timestamp_usec", 10, _INT64)),
            nested=(_Message("AssociatedDetection", (
                _field("id", 1, _INT32), _field("confidence", 2, _FLOAT))),)),
        _listing("DetectionList", "detection", "Detection"),
    )),
)


def _build_pool() -> Any:
    pool = descriptor_pool.DescriptorPool()
    for name, dependencies, messages in _FILES:
        proto = descriptor_pb2.FileDescriptorProto(
            name=name, package="mediapipe", dependency=list(dependencies))
        for message in messages:
            proto.message_type.add().CopyFrom(message.to_proto())
        pool.AddSerializedFile(proto.SerializeToString())
    return pool


_POOL = _build_pool()


# Before protobuf 4.22 classes come from a MessageFactory's GetPrototype (later removed): one
# factory for the pool, because each factory makes its own classes, and the C++ runtime of
# protobuf 3.x must hand out the same class for a nested field as the one exposed here.
_FACTORY = (None if hasattr(message_factory, "GetMessageClass")
            else message_factory.MessageFactory(_POOL))


def _concrete_class(descriptor: Any) -> Any:
    if _FACTORY is None:
        return message_factory.GetMessageClass(descriptor)
    return _FACTORY.GetPrototype(descriptor)


@dataclass(frozen=True)
class ProtoFile:
    """One ``.proto`` file: its ``FileDescriptor`` and its top-level message classes."""

    descriptor: Any
    classes: dict[str, Any]


def _reduce_by_class(message: Any) -> tuple[Any, tuple[()], Any]:
    return type(message), (), message.__getstate__()


def _attach(descriptor: Any, module: str, qualname: str) -> Any:
    cls = _concrete_class(descriptor)
    # pickle looks a class up by __module__ and __qualname__: point both at palmlite's module.
    cls.__module__ = module
    cls.__qualname__ = qualname
    if descriptor.containing_type is not None:
        # protobuf pickles a nested message by looking its full name up in the *default* pool,
        # which does not hold palmlite's descriptors: pickle it by class, like a top-level one.
        cls.__reduce__ = _reduce_by_class
    for nested in descriptor.nested_types:
        setattr(cls, nested.name, _attach(nested, module, f"{qualname}.{nested.name}"))
    return cls


def proto_file(name: str, module: str) -> ProtoFile:
    """The classes of MediaPipe's ``mediapipe/framework/formats/<name>``, recorded as defined
    in ``module`` (the ``*_pb2`` module that exposes them)."""
    descriptor = _POOL.FindFileByName(_FORMATS + name)
    return ProtoFile(descriptor, {
        message.name: _attach(message, module, message.name)
        for message in descriptor.message_types_by_name.values()
    })

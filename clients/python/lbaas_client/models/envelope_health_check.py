from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_criteria import EnvelopeCriteria


T = TypeVar("T", bound="EnvelopeHealthCheck")


@_attrs_define
class EnvelopeHealthCheck:
    """
    Attributes:
        criteria (EnvelopeCriteria):
        protocol (str): `http` or `tcp` (either case).
        port (int | None | Unset):
        request_path (None | str | Unset):
    """

    criteria: EnvelopeCriteria
    protocol: str
    port: int | None | Unset = UNSET
    request_path: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        criteria = self.criteria.to_dict()

        protocol = self.protocol

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        request_path: None | str | Unset
        if isinstance(self.request_path, Unset):
            request_path = UNSET
        else:
            request_path = self.request_path

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "criteria": criteria,
                "protocol": protocol,
            }
        )
        if port is not UNSET:
            field_dict["port"] = port
        if request_path is not UNSET:
            field_dict["request-path"] = request_path

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_criteria import EnvelopeCriteria  # noqa: PLC0415

        d = dict(src_dict)
        criteria = EnvelopeCriteria.from_dict(d.pop("criteria"))

        protocol = d.pop("protocol")

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        def _parse_request_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_path = _parse_request_path(d.pop("request-path", UNSET))

        envelope_health_check = cls(
            criteria=criteria,
            protocol=protocol,
            port=port,
            request_path=request_path,
        )

        return envelope_health_check

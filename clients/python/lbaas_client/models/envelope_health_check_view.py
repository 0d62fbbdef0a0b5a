from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.protocol import Protocol
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_criteria import EnvelopeCriteria


T = TypeVar("T", bound="EnvelopeHealthCheckView")


@_attrs_define
class EnvelopeHealthCheckView:
    """
    Attributes:
        criteria (EnvelopeCriteria):
        protocol (Protocol): A listener's protocol (HTTPS: TLS terminated by the nodes), a pool's protocol (HTTP or
            TCP: what its members speak) or a health monitor's (HTTPS: the probe speaks TLS, without
            verifying the member's certificate, as Octavia's HTTPS monitor does).
        port (int | None | Unset):
        request_path (None | str | Unset):
    """

    criteria: EnvelopeCriteria
    protocol: Protocol
    port: int | None | Unset = UNSET
    request_path: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        criteria = self.criteria.to_dict()

        protocol = self.protocol.value

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
        field_dict.update(self.additional_properties)
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

        protocol = Protocol(d.pop("protocol"))

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

        envelope_health_check_view = cls(
            criteria=criteria,
            protocol=protocol,
            port=port,
            request_path=request_path,
        )

        envelope_health_check_view.additional_properties = d
        return envelope_health_check_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

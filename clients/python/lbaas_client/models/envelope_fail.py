from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.fail import Fail
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_fail_info_type_0 import EnvelopeFailInfoType0
    from ..models.error_detail import ErrorDetail


T = TypeVar("T", bound="EnvelopeFail")


@_attrs_define
class EnvelopeFail:
    """A refused envelope. `action` and `type` echo what the request said (empty when it could not
    be read), `info` echoes the request's `info` (null when there was none).

        Attributes:
            action (str):
            error (ErrorDetail):
            status (Fail):
            type_ (str):
            info (EnvelopeFailInfoType0 | None | Unset):
    """

    action: str
    error: ErrorDetail
    status: Fail
    type_: str
    info: EnvelopeFailInfoType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.envelope_fail_info_type_0 import EnvelopeFailInfoType0  # noqa: PLC0415

        action = self.action

        error = self.error.to_dict()

        status = self.status.value

        type_ = self.type_

        info: dict[str, Any] | None | Unset
        if isinstance(self.info, Unset):
            info = UNSET
        elif isinstance(self.info, EnvelopeFailInfoType0):
            info = self.info.to_dict()
        else:
            info = self.info

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "error": error,
                "status": status,
                "type": type_,
            }
        )
        if info is not UNSET:
            field_dict["info"] = info

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_fail_info_type_0 import EnvelopeFailInfoType0  # noqa: PLC0415
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        error = ErrorDetail.from_dict(d.pop("error"))

        status = Fail(d.pop("status"))

        type_ = d.pop("type")

        def _parse_info(data: object) -> EnvelopeFailInfoType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                info_type_0 = EnvelopeFailInfoType0.from_dict(data)

                return info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EnvelopeFailInfoType0 | None | Unset, data)

        info = _parse_info(d.pop("info", UNSET))

        envelope_fail = cls(
            action=action,
            error=error,
            status=status,
            type_=type_,
            info=info,
        )

        envelope_fail.additional_properties = d
        return envelope_fail

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

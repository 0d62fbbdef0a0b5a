from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quotas_update import QuotasUpdate


T = TypeVar("T", bound="TenantUpdate")


@_attrs_define
class TenantUpdate:
    """
    Attributes:
        generation (int | None | Unset): The generation you read; a stale one is a 409.
        quotas (None | QuotasUpdate | Unset):
    """

    generation: int | None | Unset = UNSET
    quotas: None | QuotasUpdate | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.quotas_update import QuotasUpdate  # noqa: PLC0415

        generation: int | None | Unset
        if isinstance(self.generation, Unset):
            generation = UNSET
        else:
            generation = self.generation

        quotas: dict[str, Any] | None | Unset
        if isinstance(self.quotas, Unset):
            quotas = UNSET
        elif isinstance(self.quotas, QuotasUpdate):
            quotas = self.quotas.to_dict()
        else:
            quotas = self.quotas

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if generation is not UNSET:
            field_dict["generation"] = generation
        if quotas is not UNSET:
            field_dict["quotas"] = quotas

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quotas_update import QuotasUpdate  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_generation(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        generation = _parse_generation(d.pop("generation", UNSET))

        def _parse_quotas(data: object) -> None | QuotasUpdate | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quotas_type_1 = QuotasUpdate.from_dict(data)

                return quotas_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuotasUpdate | Unset, data)

        quotas = _parse_quotas(d.pop("quotas", UNSET))

        tenant_update = cls(
            generation=generation,
            quotas=quotas,
        )

        return tenant_update

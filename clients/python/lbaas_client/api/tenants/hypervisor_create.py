from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.hypervisor import Hypervisor
from ...models.hypervisor_create import HypervisorCreate
from ...types import Response


def _get_kwargs(
    *,
    body: HypervisorCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/hypervisors",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Hypervisor | None:
    if response.status_code == 201:
        response_201 = Hypervisor.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorBody.from_dict(response.json())

        return response_405

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 500:
        response_500 = ErrorBody.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | Hypervisor]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HypervisorCreate,
) -> Response[ErrorBody | Hypervisor]:
    """Add a hypervisor (admin)

     Placement uses it once a controller runs for it (`lbaas-controller --hypervisor NAME`) and has
    listed its domains (`reachable: true`).

    Args:
        body (HypervisorCreate): A compute host to add (admin). Its controller is started with
            `--hypervisor NAME`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Hypervisor]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: HypervisorCreate,
) -> ErrorBody | Hypervisor | None:
    """Add a hypervisor (admin)

     Placement uses it once a controller runs for it (`lbaas-controller --hypervisor NAME`) and has
    listed its domains (`reachable: true`).

    Args:
        body (HypervisorCreate): A compute host to add (admin). Its controller is started with
            `--hypervisor NAME`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Hypervisor
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HypervisorCreate,
) -> Response[ErrorBody | Hypervisor]:
    """Add a hypervisor (admin)

     Placement uses it once a controller runs for it (`lbaas-controller --hypervisor NAME`) and has
    listed its domains (`reachable: true`).

    Args:
        body (HypervisorCreate): A compute host to add (admin). Its controller is started with
            `--hypervisor NAME`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Hypervisor]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HypervisorCreate,
) -> ErrorBody | Hypervisor | None:
    """Add a hypervisor (admin)

     Placement uses it once a controller runs for it (`lbaas-controller --hypervisor NAME`) and has
    listed its domains (`reachable: true`).

    Args:
        body (HypervisorCreate): A compute host to add (admin). Its controller is started with
            `--hypervisor NAME`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Hypervisor
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.hypervisor import Hypervisor
from ...types import Response


def _get_kwargs(
    hypervisor: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/hypervisors/{hypervisor}".format(
            hypervisor=quote(str(hypervisor), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Hypervisor | None:
    if response.status_code == 200:
        response_200 = Hypervisor.from_dict(response.json())

        return response_200

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
    hypervisor: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | Hypervisor]:
    """View a hypervisor (admin)

    Args:
        hypervisor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Hypervisor]
    """

    kwargs = _get_kwargs(
        hypervisor=hypervisor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    hypervisor: str,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | Hypervisor | None:
    """View a hypervisor (admin)

    Args:
        hypervisor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Hypervisor
    """

    return sync_detailed(
        hypervisor=hypervisor,
        client=client,
    ).parsed


async def asyncio_detailed(
    hypervisor: str,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | Hypervisor]:
    """View a hypervisor (admin)

    Args:
        hypervisor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Hypervisor]
    """

    kwargs = _get_kwargs(
        hypervisor=hypervisor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    hypervisor: str,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | Hypervisor | None:
    """View a hypervisor (admin)

    Args:
        hypervisor (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Hypervisor
    """

    return (
        await asyncio_detailed(
            hypervisor=hypervisor,
            client=client,
        )
    ).parsed

"""The floor for the HTTP and WebSocket benchmarks: a bare Starlette app, served by uvicorn
with the settings `frontdesk serve` uses. Its JSON POST endpoint parses the body and answers
201; /page answers a plain HTML table; `/echo` sends each WebSocket frame back;
`/relay/visitor` hands each frame to every socket connected on `/relay/agent` (the least a
chat server must do).

    uv run python bench/_floor_app.py --port 8123
"""

from __future__ import annotations

import argparse
import itertools

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

_ids = itertools.count(1)


async def create(request: Request) -> JSONResponse:
    body = await request.json()
    ticket = {"id": next(_ids), "subject": body.get("subject"), "status": "new"}
    return JSONResponse(ticket, status_code=201)


async def page(request: Request) -> HTMLResponse:
    """An HTML page of `rows` table rows built from constants: what serving a page costs
    before any database, template or translation (the floor of bench/web_pages.py)."""
    rows = int(request.query_params.get("rows", "50"))
    body = "".join(
        f"<tr><td>#{i}</td><td>Subject {i}</td><td>Customer {i}</td><td>open</td></tr>"
        for i in range(rows)
    )
    return HTMLResponse(f"<!doctype html><html><body><table>{body}</table></body></html>")


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


_agents: set[WebSocket] = set()


async def relay_agent(websocket: WebSocket) -> None:
    await websocket.accept()
    _agents.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        _agents.discard(websocket)


async def relay_visitor(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            for agent in list(_agents):
                await agent.send_text(text)
    except WebSocketDisconnect:
        pass


app = Starlette(
    routes=[
        Route("/api/v1/tickets", create, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/echo", echo),
        WebSocketRoute("/relay/agent", relay_agent),
        WebSocketRoute("/relay/visitor", relay_visitor),
        Route("/page", page),
    ]
)

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same call as frontdesk.cli.serve.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)

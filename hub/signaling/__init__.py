"""Call signaling and routing: the kiosk and adviser WebSockets (hub.protocol.signaling).

- `router`: the call router, a state machine without I/O.
- `sockets`: the two FastAPI WebSocket endpoints.
- `service`: the router and recorder of one hub process (built by the app's lifespan).
- `records`: call records in the database, `list_calls` for reports.
- `ice`: ICE servers and per-call TURN credentials (coturn's use-auth-secret).
- `advisers`: adviser profiles (partner, topics, display name).
"""

"""The HTTP edge: the only layer that imports Flask and werkzeug (routing, dispatch, admin, dashboard, the record
proxy, the production server and hot reload)."""

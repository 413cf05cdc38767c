"""The baseline: a bare Flask route returning a fixed JSON body (no validation at all)."""

from flask import Flask, Response

app = Flask("bare")
BODY = b'{"result":{"prediction":"1","probaPercentile":72,"probas":{"0":0.19,"1":0.81}},"timing":{"wait":4}}'


@app.route("/<path:anything>", methods=["GET", "POST"])
def anything(anything: str) -> Response:
    return Response(BODY, mimetype="application/json")

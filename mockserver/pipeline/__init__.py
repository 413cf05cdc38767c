"""Request time, framework-free: one module per step of the README's order.

``request`` (the request as data) -> ``security`` -> ``validation`` -> ``selection`` ->
``selfcheck``, composed by ``operation`` (the spine); ``problems`` and ``error_model``
say how a failure becomes an answer.
"""

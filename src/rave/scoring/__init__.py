"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI,
and reads no clock: ``as_of`` is always an argument, every datetime timezone-aware UTC.

- ``state``: a contact's events (``Event``) folded into a ``Tally`` (the one derivation),
  finished into a ``ContactState`` as of a moment
- ``model``: a state's terms, score, lane, action and reason (``assess``), and the daily
  list with its volume rules (``rank``)
- ``mix``: your own broadcast/chat/engage mix (``rave stats``, the broadcast nudge)
"""

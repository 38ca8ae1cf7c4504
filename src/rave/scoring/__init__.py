"""PURE ranking model of spec/scoring.md. Imports nothing from the database or the CLI,
and reads no clock: ``as_of`` is always an argument, every datetime timezone-aware UTC.

- ``state``: a contact's events (``Event``) folded into a ``Tally`` (the one derivation),
  finished into a ``ContactState`` as of a moment
- ``terms``: the nine terms of a state, each a measure and the note that explains it
- ``actions``: what to do about a contact (the action, its channel and talking point),
  and the advice and reason that say it
- ``model``: a state's assessment, its terms, score, lane, action and visibility
  (``assess``), and the daily list with its volume rules (``rank``)
- ``mix``: your own broadcast/chat/engage mix (``rave stats``, the broadcast nudge)
"""

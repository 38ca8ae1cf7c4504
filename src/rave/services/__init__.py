"""Use cases: each joins the read door (``rave.queries``), the write door
(``rave.store``) and the pure modules (``rave.scoring``, ``rave.formats``), and returns
plain data. A command calls one of them. One module per concern:

- ``contacts``: find, list, show, add, change, merge and delete contacts
- ``recording``: log an interaction (one, or a batch of JSON Lines), post, follow-ups
- ``ranking``: today, why, snooze, digest
- ``stats``: your own mix over time, the broadcast nudge, a contact's warmth trend
- ``imports``: ``rave import`` (``matcher`` decides who is who; ``json_import`` reads
  rave's own JSON document)
- ``exports``: ``rave export``
- ``maintenance``: backup and doctor
- ``demo``: the sample network of ``rave demo``

The write door (SQLModel) is imported inside the functions that write, so read commands
never pay for it.
"""

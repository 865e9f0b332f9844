"""News as it is published: saved or fetched web pages and RSS/Atom feeds, into the corpus folder.

``html`` and ``meta`` read a page (main text, and what it says about itself), ``urls``
names an article by its canonical address, ``feeds`` reads feeds, ``fetch`` downloads
politely, ``corpus`` writes articles in the seed format, ``pipeline`` ties them together
and ``cli`` is ``qa ingest-feed``. The build reads ``.html`` corpus files through
``index.parse``, which calls ``html`` directly.
"""

"""Reading: turn files, table rows, uploads and web pages into ``Article`` records.

``readers`` knows every format (text, Markdown, HTML, PDF, Word, CSV, JSONL) and reads the
untrusted ones inside ``budget``'s parse sandbox; ``dates`` finds a publication date in a file
name, a dateline or the page's metadata; ``fetch`` brings feeds and pages from the web. Nothing
here knows about cues, scores or the store.
"""

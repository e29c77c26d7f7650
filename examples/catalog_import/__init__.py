"""A paged catalog import: DO_WHILE over the feed's pages, then a dynamic fork of optional upserts."""

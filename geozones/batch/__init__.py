"""Stage 12, batch: package lists in, classified and summarised tables out.

Takes in a table read by :mod:`geozones.tables` and a classifier with its zone
lookup. Gives out the table with the classification columns added row for row
(every input row back, in order, with a status) for the CLI and the web batch.
"""

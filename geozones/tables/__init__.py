"""Stage 2, tables: the CSV and XLSX files people upload and get back.

Takes in bytes or a path of a CSV (UTF-8 with or without BOM, cp1252) or XLSX
file. Gives out a DataFrame of text cells, every row kept in order, the column
that holds the addresses, and written files whose formula-leading text is
neutralised.
"""

-- Migration 0005 (the ETL's settle window): beside each source's watermark, the versions of rows stamped
-- within the settle window that a run already took (JSON: id → ISO stamp). The next run reads those rows
-- again, to catch one that committed late, and skips the versions listed here.

ALTER TABLE etl_watermarks ADD COLUMN recent LONGTEXT NULL;

DROP TABLE taxonomy_entries;

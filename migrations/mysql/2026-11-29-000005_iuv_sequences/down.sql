DROP TABLE iuv_sequences;

-- Usernames and emails are now compared by their NFKC case-folded key (auth_core::names::name_key).
-- The keys of existing rows are recomputed in Rust right after this file, in the same transaction.
SELECT 1;

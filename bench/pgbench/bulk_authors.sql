-- one UPDATE renaming :bulk_users consecutive users
\set s random(0, :nusers - :bulk_users)
\set e :s + :bulk_users
\set r random(1, 1000000000)
UPDATE tb_user SET name = 'User ' || pk_user || ' bulk ' || :r
WHERE pk_user > :s AND pk_user <= :e;

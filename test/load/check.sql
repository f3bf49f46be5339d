SELECT (SELECT count(*) FROM (SELECT * FROM tv_post EXCEPT ALL SELECT * FROM v_post) a)
     + (SELECT count(*) FROM (SELECT * FROM v_post EXCEPT ALL SELECT * FROM tv_post) b)
     + (SELECT count(*) FROM (SELECT * FROM tv_user EXCEPT ALL SELECT * FROM v_user) c)
     + (SELECT count(*) FROM (SELECT * FROM v_user EXCEPT ALL SELECT * FROM tv_user) d) AS stale;

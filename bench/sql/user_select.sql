SELECT u.pk_user, u.id,
       jsonb_build_object(
           'id', u.id, 'name', u.name, 'email', u.email,
           'posts', COALESCE((
               SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
               FROM @POSTS@ tp
               WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u

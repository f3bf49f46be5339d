SELECT co.pk_company, co.id,
       jsonb_build_object(
           'id', co.id, 'name', co.name,
           'users', COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'id', u.id, 'name', u.name,
                          'posts', COALESCE((
                              SELECT jsonb_agg(jsonb_build_object(
                                         'id', p.id, 'title', p.title, 'published_at', p.published_at)
                                     ORDER BY p.pk_post)
                              FROM tb_post p
                              WHERE p.fk_user = u.pk_user AND p.published), '[]'::jsonb))
                      ORDER BY u.pk_user)
               FROM tb_user u
               WHERE u.fk_company = co.pk_company AND u.active), '[]'::jsonb)) AS data
FROM tb_company co

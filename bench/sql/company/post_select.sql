SELECT p.pk_post, p.id, p.fk_user, u.fk_company,
       jsonb_build_object(
           'id', p.id, 'title', p.title, 'body', p.body, 'published_at', p.published_at,
           'author', jsonb_build_object(
               'id', u.id, 'name', u.name,
               'company', jsonb_build_object('id', co.id, 'name', co.name)),
           'tags', COALESCE((
               SELECT jsonb_agg(t.name ORDER BY t.name)
               FROM tb_post_tag pt JOIN tb_tag t ON t.pk_tag = pt.fk_tag
               WHERE pt.fk_post = p.pk_post), '[]'::jsonb),
           'comments', COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'id', c.id, 'body', c.body,
                          'author', jsonb_build_object('id', cu.id, 'name', cu.name))
                      ORDER BY c.pk_comment)
               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p
JOIN tb_user u ON u.pk_user = p.fk_user
JOIN tb_company co ON co.pk_company = u.fk_company
WHERE p.published AND u.active

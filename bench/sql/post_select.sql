SELECT p.pk_post, p.id, p.fk_user, u.id AS user_id,
       jsonb_build_object(
           'id', p.id, 'title', p.title, 'body', p.body,
           'author', jsonb_build_object('id', u.id, 'name', u.name),
           'comments', COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'id', c.id, 'body', c.body,
                          'author', jsonb_build_object('id', cu.id, 'name', cu.name))
                      ORDER BY c.pk_comment)
               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user

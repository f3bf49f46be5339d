CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name,
         'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', cu.name)
                                                ORDER BY c.pk_comment)
                               FROM tb_comment c JOIN tb_user cu ON cu.pk_user = c.fk_user
                               WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

CREATE TABLE tv_user AS
SELECT u.pk_user,
       jsonb_build_object('name', u.name,
         'posts', COALESCE((SELECT jsonb_agg(tp.data->'title' ORDER BY tp.pk_post) FROM tv_post tp
                            WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
FROM tb_user u;

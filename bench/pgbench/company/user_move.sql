-- move one user to another company (two company documents, and the post
-- documents that show the author's company)
\set uid random(1, :nusers)
\set cid random(1, :ncompanies)
UPDATE tb_user SET fk_company = :cid WHERE pk_user = :uid;

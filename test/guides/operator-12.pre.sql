-- a capture trigger goes missing and another is disabled
DROP TRIGGER tview_capture_trunc ON tb_post;
ALTER TABLE tb_user DISABLE TRIGGER tview_capture_upd;

"""Drawing on frames: annotation, the annotated-video sink and the display window."""

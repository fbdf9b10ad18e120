from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=200)

    class Meta:
        permissions = [("publish_post", "Can publish posts")]

    def __str__(self):
        return self.title

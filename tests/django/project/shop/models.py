from django.db import models


class Order(models.Model):
    total = models.IntegerField()

    class Meta:
        permissions = [("view_reports", "Can view reports")]

    def __str__(self):
        return f"Order {self.pk}"

from django.apps import AppConfig
from django.core.signals import setting_changed


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = "Victims"

    def ready(self):
        from glo_act.crypto import reset_keyring

        # Tests that override the key settings get a keyring built from the new keys.
        setting_changed.connect(reset_keyring, dispatch_uid="glo_act_crypto_reset_keyring")

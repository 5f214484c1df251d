# gevent must patch the standard library before anything else imports it: the
# engine, the Event Socket adapter and the HTTP clients all run on greenlets,
# as they do under `cxml-bridge serve`, whose entry point patches first too.
from gevent import monkey

monkey.patch_all()

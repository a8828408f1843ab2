"""Forms of the account pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, FormField, PasswordField, SelectField, StringField, SubmitField
from wtforms import Form as BareForm
from wtforms.validators import DataRequired, Length

#: The value of the level select that means "native speaker".
NATIVE = "native"


def level_choices() -> list[tuple[str, str]]:
    return [
        (NATIVE, str(_l("Native"))),
        ("C2", str(_l("C2 — proficient"))),
        ("C1", str(_l("C1 — advanced"))),
        ("B2", str(_l("B2 — upper intermediate"))),
        ("B1", str(_l("B1 — intermediate"))),
        ("A2", str(_l("A2 — elementary"))),
        ("A1", str(_l("A1 — beginner"))),
    ]


class LanguageRowForm(BareForm):
    """One language of a profile. Subform without its own CSRF token (the outer form has one)."""

    language = SelectField(_l("Language"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)


class LanguageProfileForm(FlaskForm):
    languages = FieldList(FormField(LanguageRowForm), min_entries=4)
    submit = SubmitField(_l("Save languages"))


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    display_name = StringField(_l("Name shown to reviewers"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    ui_locale = SelectField(_l("Interface language"), validate_choice=False)
    languages = FieldList(FormField(LanguageRowForm), min_entries=3)
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class InterfaceLanguageForm(FlaskForm):
    ui_locale = SelectField(_l("Interface language"), validate_choice=False)
    submit = SubmitField(_l("Save"))

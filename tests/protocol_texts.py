"""Texts of the protocol's first turn that several live tests compare word for word."""

ASK_NAME = "¿Me puede indicar su nombre, por favor?"
# The personal-data notice (Ley 1581 de 2012) that comes with the first name prompt; with
# DATA_POLICY_URL unset it points to the website of the fact sheet.
DATA_NOTICE = (
    "La Alcaldía Municipal de Tenjo trata los datos que usted comparte en este chat solo para "
    "atender su consulta, conforme a la Ley 1581 de 2012. Puede consultar la política de "
    "tratamiento de datos en el sitio web www.tenjo-cundinamarca.gov.co."
)
# The first name prompt as the tracker stores it: one text; Rasa's channels send its two
# parts (split at the blank line) as two messages, DATA_NOTICE then ASK_NAME.
NOTICE_AND_ASK_NAME = f"{DATA_NOTICE}\n\n{ASK_NAME}"

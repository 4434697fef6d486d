#!/usr/bin/env python3
"""Drives the page of `landscape serve` in headless Chromium (selenium, chromium-driver).

Usage: browser_check.py URL SCREENSHOT_DIR. Loads URL, moves the p01 slider one step with
the keyboard, waits for the redraw, reads the MSE global minimum shown; then clicks the
phase diagram and reads the sliders; trains sae-untied-hierarchy (2000 steps) from the
Train section and reads its first latent's cosine. Prints one JSON object; the XCTest checks it.
"""
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def main():
    url, shots = sys.argv[1], sys.argv[2]
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
                 "--disable-dev-shm-usage"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver") \
        if hasattr(webdriver, "ChromeService") else None
    driver = webdriver.Chrome(options=options, service=service) if service \
        else webdriver.Chrome(options=options)
    out = {}
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(url)
        wait.until(lambda d: d.execute_script("return document.body.dataset.drawn || ''") != "")
        driver.save_screenshot(f"{shots}/1-loaded.png")
        drawn = driver.execute_script("return document.body.dataset.drawn")
        slider = driver.find_element(By.ID, "range-p01")
        slider.send_keys(Keys.ARROW_RIGHT)
        out["p01"] = driver.find_element(By.ID, "number-p01").get_attribute("value")
        out["p0"] = driver.find_element(By.ID, "number-p0").get_attribute("value")
        wait.until(lambda d: d.execute_script("return document.body.dataset.drawn") != drawn
                   and "p01=" + out["p01"] in d.execute_script("return document.body.dataset.drawn"))
        row = driver.find_element(By.CSS_SELECTOR, "#minima tr.mse.global")
        out["mse_t"] = row.get_attribute("data-t")
        out["mse_loss"] = row.get_attribute("data-loss")
        out["mse_t_text"] = row.find_elements(By.TAG_NAME, "td")[1].text
        out["url"] = driver.current_url
        driver.save_screenshot(f"{shots}/2-p01-moved.png")
        canvas = driver.find_element(By.ID, "phase")
        wait.until(lambda d: canvas.is_displayed())
        driver.execute_script("arguments[0].scrollIntoView()", canvas)
        size = canvas.size
        drawn = driver.execute_script("return document.body.dataset.drawn")
        # The grid is 240 px square at (40, 16) in the 340 x 290 canvas: p0 = p01 = 0.25 is
        # the canvas pixel (100, 196), offset from the centre (170, 145).
        scale = size["width"] / 340
        webdriver.ActionChains(driver).move_to_element_with_offset(
            canvas, (100 - 170) * scale, (196 - 145) * scale).click().perform()
        wait.until(lambda d: d.execute_script("return document.body.dataset.drawn") != drawn)
        out["clicked_p0"] = driver.find_element(By.ID, "range-p0").get_attribute("value")
        out["clicked_p01"] = driver.find_element(By.ID, "range-p01").get_attribute("value")
        out["error_line"] = driver.find_element(By.ID, "error").text
        out["phase_axes"] = canvas.get_attribute("data-axes") or ""
        # An arrow key on the focused diagram moves p0 by 0.01.
        drawn = driver.execute_script("return document.body.dataset.drawn")
        canvas.send_keys(Keys.ARROW_RIGHT)
        wait.until(lambda d: d.execute_script("return document.body.dataset.drawn") != drawn)
        out["arrow_p0"] = driver.find_element(By.ID, "number-p0").get_attribute("value")
        # The p1 checkbox enables its slider at once.
        driver.find_element(By.ID, "has-p1").click()
        out["p1_enabled"] = driver.find_element(By.ID, "range-p1").is_enabled()
        # An invalid state (p0 at its end: the sum past 1): results greyed, a plain message.
        drawn = driver.execute_script("return document.body.dataset.drawn")
        driver.find_element(By.ID, "range-p0").send_keys(Keys.END)
        wait.until(lambda d: d.execute_script("return document.body.dataset.drawn").startswith("error:"))
        out["invalid_message"] = driver.find_element(By.ID, "error").text
        out["stale"] = "stale" in driver.find_element(By.ID, "results").get_attribute("class")
        driver.save_screenshot(f"{shots}/3a-invalid.png")
        driver.find_element(By.ID, "range-p0").send_keys(Keys.HOME)
        wait.until(lambda d: not d.execute_script("return document.body.dataset.drawn").startswith("error:"))
        out["stale_after_fix"] = "stale" in driver.find_element(By.ID, "results").get_attribute("class")
        out["download_name"] = driver.find_element(By.ID, "dl-png").get_attribute("download")
        driver.set_window_size(420, 900)
        time.sleep(0.3)
        driver.save_screenshot(f"{shots}/3-phase-clicked-narrow.png")
        # Narrow: the chart comes before the controls.
        out["chart_above_controls"] = driver.execute_script(
            "return document.getElementById('chart').getBoundingClientRect().top"
            " < document.getElementById('controls').getBoundingClientRect().top")
        driver.set_window_size(1280, 1000)
        time.sleep(0.3)
        # Training an SAE case live: its heat maps redraw, then the report's table.
        from selenium.webdriver.support.ui import Select
        Select(driver.find_element(By.ID, "train-case")).select_by_value("sae-untied-hierarchy")
        # The case's own fields: two latents and L2 loss; the steps as a free line.
        for path, value in [("sae.latents", "2"), ("train.loss", "l2"), ("train.starts", "1")]:
            field = driver.find_element(By.CSS_SELECTOR, f'#train-fields input[data-path="{path}"]')
            field.clear()
            field.send_keys(value)
        driver.find_element(By.ID, "train-set").send_keys("train.steps=2000")
        driver.find_element(By.ID, "train-start").click()
        wait.until(lambda d: d.find_element(By.ID, "train-status").text == "done"
                   or d.find_element(By.ID, "train-error").text != "")
        out["train_status"] = driver.find_element(By.ID, "train-status").text
        out["train_error"] = driver.find_element(By.ID, "train-error").text
        out["train_hedging"] = [row.get_attribute("data-hedging") for row in
                                driver.find_elements(By.CSS_SELECTOR, "#train-latents tbody tr")]
        out["train_figure"] = driver.find_element(By.ID, "train-dl-png").get_attribute("href")
        driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.ID, "train"))
        driver.save_screenshot(f"{shots}/4-trained.png")
        # A long run, then the page left mid-run: the server cancels it.
        Select(driver.find_element(By.ID, "train-case")).select_by_value("sae-correlated-10-standard")
        driver.find_element(By.ID, "train-set").clear()
        driver.find_element(By.ID, "train-set").send_keys("train.steps=100000")
        driver.find_element(By.ID, "train-start").click()
        wait.until(lambda d: d.find_element(By.ID, "train-status").text.startswith("step "))
        out["log"] = [
            {"level": e.get("level"), "source": e.get("source"), "message": e.get("message")}
            for e in driver.get_log("browser")
        ]
        driver.get("about:blank")
        time.sleep(1)
        out["left_mid_run"] = True
    finally:
        driver.quit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
